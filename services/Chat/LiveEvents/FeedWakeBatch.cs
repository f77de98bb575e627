using System.Buffers;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// Collects the reader wake-ups of one fan-out on the dispatching thread and queues them as one thread-pool work item
/// per <c>size</c> feeds (on that thread's local queue, where idle workers steal them) instead of one per feed: a
/// message to a thousand connections costs a few dozen work items, each resuming its feeds' writer loops one after
/// the other, while the fan-out still spreads over every core. A chunk is queued as soon as it is full, so the first
/// recipients do not wait for the whole hand-over. Opened with <see cref="Open"/> around a dispatch (nested opens on
/// one thread join the outer one); outside one, a wake-up is queued on its own as before.
/// </summary>
internal sealed class FeedWakeBatch
{
    [ThreadStatic]
    private static FeedWakeBatch? t_current;

    private int _size;
    private int _depth;
    private FeedSignal[]? _pending;
    private int _count;

    /// <summary>
    /// Starts collecting this thread's wake-ups, <paramref name="size"/> per work item (1: one work item per feed, no
    /// batching); dispose the result to queue the rest.
    /// </summary>
    public static Scope Open(int size)
    {
        var batch = t_current ??= new FeedWakeBatch();
        if (batch._depth++ == 0)
        {
            batch._size = size;
        }

        return new Scope(batch);
    }

    /// <summary>Queues <paramref name="signal"/>'s wake-up: into this thread's open batch if there is one, else alone.</summary>
    public static void Queue(FeedSignal signal)
    {
        if (t_current is { _depth: > 0, _size: > 1 } batch)
        {
            batch.Add(signal);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(signal, preferLocal: true);
        }
    }

    private void Add(FeedSignal signal)
    {
        var pending = _pending ??= ArrayPool<FeedSignal>.Shared.Rent(_size);
        pending[_count++] = signal;
        if (_count == _size)
        {
            QueuePending();
        }
    }

    private void QueuePending()
    {
        if (_count == 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(new Chunk(_pending!, _count), preferLocal: true);
        _pending = null;
        _count = 0;
    }

    private void Close()
    {
        if (--_depth == 0)
        {
            QueuePending();
        }
    }

    /// <summary>The open batch of this thread; disposing it queues what is still collected.</summary>
    public readonly struct Scope(FeedWakeBatch batch) : IDisposable
    {
        public void Dispose() => batch.Close();
    }

    /// <summary>One work item: wakes its feeds in order (each writer loop runs inline until its next wait), then returns the array.</summary>
    private sealed class Chunk(FeedSignal[] signals, int count) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    // Each resumes its writer loop inline (IThreadPoolWorkItem.Execute of the signal); an async method's
                    // failure stays in its task, so one feed cannot keep the others of the chunk asleep.
                    ((IThreadPoolWorkItem)signals[i]).Execute();
                }
            }
            finally
            {
                Array.Clear(signals, 0, count);
                ArrayPool<FeedSignal>.Shared.Return(signals);
            }
        }
    }
}
