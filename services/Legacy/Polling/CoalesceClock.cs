namespace ChatMesh.Legacy.Polling;

/// <summary>
/// The <see cref="Hosting.LegacyOptions.CoalesceDelay"/> wait of woken polls, shared: one timer per tick for every poll
/// woken within it (a fan-out wakes thousands at once), rather than a timer per poll. Each poll waits at least the delay
/// and at most a quarter more.
/// </summary>
internal sealed class CoalesceClock(TimeProvider time)
{
    private readonly Lock _gate = new();
    private Task _tick = Task.CompletedTask;
    private long _tickStarted;

    public Task WaitAsync(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var slack = delay / 4;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_tick.IsCompleted || time.GetElapsedTime(_tickStarted, now) > slack)
            {
                _tickStarted = now;
                _tick = Task.Delay(delay + slack, time);
            }

            return _tick;
        }
    }
}
