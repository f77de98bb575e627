namespace ChatMesh.Bench;

/// <summary>A periodic action on its own loop (one timer for many connections), stopped on dispose.</summary>
internal sealed class Sweep : IAsyncDisposable
{
    private readonly PeriodicTimer _timer;
    private readonly Task _loop;

    public Sweep(TimeSpan period, Action tick)
    {
        _timer = new PeriodicTimer(period);
        _loop = RunAsync(tick);
    }

    private async Task RunAsync(Action tick)
    {
        while (await _timer.WaitForNextTickAsync())
        {
            tick();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _timer.Dispose();
        await _loop;
    }
}
