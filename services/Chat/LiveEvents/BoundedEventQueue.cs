using System.Threading.Channels;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// A connection's outbound queue: bounded, never blocking the writer. When it is full the writer does not wait and
/// nothing is dropped silently: the queue marks itself <see cref="Overflowed"/> and completes, so the connection's
/// writer loop drains, sees the flag and cuts the slow consumer with its channel's documented "too slow" close; the
/// client then resumes from its last event id.
/// </summary>
public sealed class BoundedEventQueue
{
    private const int Open = 0, Closed = 1, Overflow = 2;

    private readonly Channel<LiveEvent> _channel;
    private int _state;

    public BoundedEventQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        // Wait mode makes TryWrite return false when full (the drop modes would discard silently).
        _channel = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    public int Capacity { get; }

    /// <summary>True once an event did not fit; the queue is then complete and accepts nothing more.</summary>
    public bool Overflowed => Volatile.Read(ref _state) == Overflow;

    /// <summary>The connection's single writer loop reads here; completion means closed or overflowed.</summary>
    public ChannelReader<LiveEvent> Reader => _channel.Reader;

    /// <summary>Queues an event without blocking; false if the queue is closed or just overflowed.</summary>
    public bool TryEnqueue(in LiveEvent liveEvent)
    {
        if (_channel.Writer.TryWrite(liveEvent))
        {
            return true;
        }
        // The state is set before completing, so a reader that sees completion also sees why.
        if (Interlocked.CompareExchange(ref _state, Overflow, Open) == Open)
        {
            _channel.Writer.TryComplete();
        }
        return false;
    }

    /// <summary>Closes the queue for a normal reason (the connection ends); queued events can still be read.</summary>
    public void Complete()
    {
        if (Interlocked.CompareExchange(ref _state, Closed, Open) == Open)
        {
            _channel.Writer.TryComplete();
        }
    }
}
