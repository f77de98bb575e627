namespace ChatMesh.Legacy.Polling;

/// <summary>
/// The hold timeouts of every held poll, on one timer: a poll's wait ends at the first tick at or after its deadline
/// (at most <see cref="Resolution"/> late), and the instance stopping ends every wait at once. Per hold it costs a link
/// into a list under one short lock, where a timer per hold (<c>Task.WaitAsync(timeout)</c>) cost a timer and its
/// promise created and disposed under the runtime's timer-queue lock, and a registration on the shared
/// application-stopping token, for each of thousands of polls woken together.
/// </summary>
internal sealed class HoldClock : IDisposable
{
    /// <summary>How late a hold may end after its deadline (the tick of the one timer).</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly Dictionary<long, HoldTimeout> _due = [];
    private ITimer? _timer;
    private long _processed;
    private CancellationToken _watched;
    private CancellationTokenRegistration _watching;
    private bool _released;
    private bool _disposed;

    public HoldClock(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _origin = time.GetTimestamp();
    }

    /// <summary>The waits registered now (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                var count = 0;
                foreach (var head in _due.Values)
                {
                    for (var entry = head; entry is not null; entry = entry.Next)
                    {
                        count++;
                    }
                }

                return count;
            }
        }
    }

    /// <summary>
    /// Ends <paramref name="entry"/>'s wait (completes its signal, marked timed out) once <paramref name="wait"/> has
    /// passed, or released when <paramref name="release"/> fires. False when <paramref name="release"/> has fired already.
    /// The first cancellable release token seen is watched once for every wait that passes it; any other token gets a
    /// registration of its own (<see cref="HoldTimeout.Registration"/>).
    /// </summary>
    public bool Add(HoldTimeout entry, TimeSpan wait, CancellationToken release)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var register = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (release.CanBeCanceled && !_watched.CanBeCanceled)
            {
                _watched = release;
                _watching = release.UnsafeRegister(static state => ((HoldClock)state!).ReleaseAll(), this);
            }

            if (release.IsCancellationRequested || (_released && release.Equals(_watched)))
            {
                return false;
            }

            register = release.CanBeCanceled && !release.Equals(_watched);
            var ticks = (long)Math.Ceiling(wait.Ticks / (double)Resolution.Ticks);
            var tick = Math.Max(CurrentTick() + Math.Max(ticks, 1), _processed + 1);
            entry.TimedOut = false;
            entry.Tick = tick;
            entry.Previous = null;
            entry.Next = _due.TryGetValue(tick, out var head) ? head : null;
            if (entry.Next is not null)
            {
                entry.Next.Previous = entry;
            }

            _due[tick] = entry;
            if (_timer is null)
            {
                // Ticks missed while no wait was registered hold nothing: the clock restarts at now.
                _processed = Math.Max(_processed, CurrentTick());
                _timer = _time.CreateTimer(static state => ((HoldClock)state!).OnTick(), this, Resolution, Resolution);
            }
        }

        if (register)
        {
            entry.Registration = release.UnsafeRegister(static state => ((HoldTimeout)state!).Signal?.TrySetResult(), entry);
        }

        return true;
    }

    /// <summary>The wait ended (woken, timed out or released): forgets it. Safe to call more than once.</summary>
    public void Remove(HoldTimeout entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.Registration.Dispose();
        entry.Registration = default;
        lock (_gate)
        {
            Unlink(entry);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }

        _watching.Dispose();
    }

    private long CurrentTick() => _time.GetElapsedTime(_origin).Ticks / Resolution.Ticks;

    private void Unlink(HoldTimeout entry)
    {
        if (entry.Tick < 0)
        {
            return;
        }

        if (entry.Previous is { } previous)
        {
            previous.Next = entry.Next;
        }
        else if (entry.Next is { } next)
        {
            _due[entry.Tick] = next;
        }
        else
        {
            _due.Remove(entry.Tick);
        }

        if (entry.Next is { } following)
        {
            following.Previous = entry.Previous;
        }

        entry.Tick = -1;
        entry.Previous = null;
        entry.Next = null;
    }

    private void OnTick()
    {
        List<(HoldTimeout Entry, TaskCompletionSource? Signal)>? expired = null;
        lock (_gate)
        {
            var now = CurrentTick();
            for (var tick = _processed + 1; tick <= now && _due.Count > 0; tick++)
            {
                if (_due.Remove(tick, out var head))
                {
                    Detach(head, expired ??= []);
                }
            }

            _processed = Math.Max(_processed, now);
            if (_due.Count == 0)
            {
                // No wait left: no tick until the next one is added.
                _timer?.Dispose();
                _timer = null;
            }
        }

        Complete(expired, timedOut: true);
    }

    private void ReleaseAll()
    {
        List<(HoldTimeout Entry, TaskCompletionSource? Signal)> all = [];
        lock (_gate)
        {
            _released = true;
            foreach (var head in _due.Values)
            {
                Detach(head, all);
            }

            _due.Clear();
        }

        Complete(all, timedOut: false);
    }

    // Under the lock: takes a tick's chain out of the clock, each entry with the signal of the wait it was added for (the
    // poll may reuse the entry for its next wait as soon as the lock is free).
    private static void Detach(HoldTimeout head, List<(HoldTimeout Entry, TaskCompletionSource? Signal)> into)
    {
        var entry = head;
        while (entry is not null)
        {
            var next = entry.Next;
            into.Add((entry, entry.Signal));
            entry.Tick = -1;
            entry.Previous = null;
            entry.Next = null;
            entry = next;
        }
    }

    private static void Complete(List<(HoldTimeout Entry, TaskCompletionSource? Signal)>? ended, bool timedOut)
    {
        if (ended is null)
        {
            return;
        }

        foreach (var (entry, signal) in ended)
        {
            // A signal already completed was woken first; an entry holding another signal has moved on to its next wait.
            if (signal is not null && !signal.Task.IsCompleted && ReferenceEquals(entry.Signal, signal))
            {
                entry.TimedOut = timedOut;
                signal.TrySetResult();
            }
        }
    }
}

/// <summary>One held poll's entry in the <see cref="HoldClock"/>, reused from one hold of its queue to the next.</summary>
internal sealed class HoldTimeout
{
    /// <summary>Completed when the wait ends for any reason.</summary>
    public TaskCompletionSource? Signal { get; set; }

    /// <summary>Set before <see cref="Signal"/> completes when the deadline passed.</summary>
    public bool TimedOut { get; set; }

    // Guarded by the clock's lock: the tick it is due at (-1: not in the clock) and its neighbours there.
    internal long Tick { get; set; } = -1;

    internal HoldTimeout? Previous { get; set; }

    internal HoldTimeout? Next { get; set; }

    internal CancellationTokenRegistration Registration { get; set; }
}
