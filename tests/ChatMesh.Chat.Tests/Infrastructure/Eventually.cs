namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>Waits, bounded, for a condition that another thread makes true (a counter, a dispatch position).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string? what = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what ?? "condition"} not met within 10 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
