using System.Threading.Tasks.Sources;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// The wake-up of a feed's single reader: an auto-reset signal with one waiter and no allocation per wait. A set that
/// finds the reader waiting resumes it as a work item on the setting thread's LOCAL thread-pool queue (the channel's own
/// waiter would go to the pool's global FIFO queue): a fan-out of one event to a thousand feeds then queues a thousand
/// wake-ups on the dispatching worker, where idle workers steal them, and leaves the global queue to the pipeline's own
/// hops (socket completions, the broker's confirms, the next consume), which would otherwise wait behind the fan-out.
/// Inside a hub dispatch the wake-ups are batched, several feeds per work item (<see cref="FeedWakeBatch"/>).
/// </summary>
internal sealed class FeedSignal : IValueTaskSource, IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Pending = 1;
    private const int Waiting = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;

    /// <summary>Wakes the reader if it waits, or makes its next wait return at once.</summary>
    public void Set()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Pending:
                    return;
                case Idle when Interlocked.CompareExchange(ref _state, Pending, Idle) == Idle:
                    return;
                case Waiting when Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting:
                    FeedWakeBatch.Queue(this);
                    return;
            }
        }
    }

    /// <summary>Waits for the next <see cref="Set"/> (returns at once if one came since the last wait). One waiter at a time.</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Pending) == Pending)
        {
            return ValueTask.CompletedTask;
        }

        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // A set came in between: it left the signal pending, which this wait consumes.
            Volatile.Write(ref _state, Idle);
            return ValueTask.CompletedTask;
        }

        return new ValueTask(this, _core.Version);
    }

    // The queued wake-up: completes the wait and runs the reader's continuation inline, on this work item.
    void IThreadPoolWorkItem.Execute() => _core.SetResult(true);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
