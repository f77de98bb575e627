using System.Threading.Tasks.Sources;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// The wake-up of a feed's single reader: a signal with one waiter and no allocation per wait. A set that
/// finds the reader waiting resumes it as a work item on the setting thread's LOCAL thread-pool queue (the channel's own
/// waiter would go to the pool's global FIFO queue): a fan-out of one event to a thousand feeds then queues a thousand
/// wake-ups on the dispatching worker, where idle workers steal them, and leaves the global queue to the pipeline's own
/// hops (socket completions, the broker's confirms, the next consume), which would otherwise wait behind the fan-out.
/// Inside a hub dispatch the wake-ups are batched, several feeds per work item (<see cref="FeedWakeBatch"/>).
/// <para>
/// A set costs one read while the reader runs: only a reader that announced it waits is woken. It announces it (an
/// interlocked write) and THEN looks at its <see cref="FeedQueue"/> once more, while a writer publishes its item (an
/// interlocked increment) and then reads the reader's state: one of the two sees the other, so no item is left unseen.
/// </para>
/// </summary>
internal sealed class FeedSignal(FeedQueue queue) : IValueTaskSource, IThreadPoolWorkItem
{
    private const int Running = 0;
    private const int Waiting = 1;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;

    /// <summary>
    /// Wakes the reader if it waits (call it after the queue changed: an item published, or the queue closed; both
    /// are full fences). A reader that runs finds the change on its own before it waits.
    /// </summary>
    public void Set()
    {
        if (Volatile.Read(ref _state) == Waiting && Interlocked.CompareExchange(ref _state, Running, Waiting) == Waiting)
        {
            FeedWakeBatch.Queue(this);
        }
    }

    /// <summary>
    /// Waits until the queue has an item or is closed (returns at once if so). One waiter at a time: the single reader.
    /// </summary>
    public ValueTask WaitAsync()
    {
        _core.Reset();
        Interlocked.Exchange(ref _state, Waiting);
        if (queue.IsReady && Interlocked.CompareExchange(ref _state, Running, Waiting) == Waiting)
        {
            return ValueTask.CompletedTask;
        }

        // Nothing yet, or a set came in between and has already queued this wait's completion.
        return new ValueTask(this, _core.Version);
    }

    // The queued wake-up: completes the wait and runs the reader's continuation inline, on this work item.
    void IThreadPoolWorkItem.Execute() => _core.SetResult(true);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
