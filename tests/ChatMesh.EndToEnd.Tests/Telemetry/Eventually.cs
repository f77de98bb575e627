namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>Waits, with a deadline, for telemetry the services export in the background.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="probe"/> until it finds something; on timeout the message says what was seen.</summary>
    public static async Task<T> FindAsync<T>(Func<T?> probe, Func<string> seen) where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Deadline);
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }

            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Not within {Deadline.TotalSeconds} s. {seen()}");
            }
        }
    }

    public static Task<object> TrueAsync(Func<bool> condition, Func<string> seen) => FindAsync(() => condition() ? new object() : null, seen);
}
