namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>Waits, bounded, for a condition that another thread makes true (a counter, a dispatch position).</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(20);

    public static async Task TrueAsync(Func<bool> condition, string? what = null, TimeSpan? within = null)
    {
        var bound = within ?? DefaultBound;
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what ?? "condition"} not met within {bound.TotalSeconds:0} s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
