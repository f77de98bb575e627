using System.Buffers;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// The item queue of a <see cref="ResumableFeed"/>: bounded, many writers (the hub's dispatch, the channel's control
/// items, a resume's replay), ONE reader (the channel's writer loop). A write takes one lock (writers only: the reader
/// never takes it on its way through items) and publishes the item with one interlocked increment, which is also the
/// fence the reader's wake-up needs (<see cref="FeedSignal"/>). The reader takes items without a lock or an interlocked
/// operation.
/// <para>
/// Storage is a chain of segments. The feed's own first segment (<see cref="FirstSegment"/> slots) lives as long as
/// the feed; a backlog beyond it goes into segments rented from the shared array pool (doubling up to
/// <see cref="MaxSegment"/> slots), each given back as the reader leaves it. A write that finds the queue empty starts
/// again at the first slot of the first segment, and a reader that empties a rented segment moves back to the first
/// one: a stream that once held a burst keeps no memory for it, and an idle stream holds <see cref="FirstSegment"/>
/// slots. The reader clears each slot it takes, so no item is kept alive by the queue.
/// </para>
/// </summary>
public sealed class FeedQueue
{
    /// <summary>The slots of the segment every feed keeps.</summary>
    public const int FirstSegment = 8;

    /// <summary>The largest rented segment (a longer backlog chains more of them).</summary>
    public const int MaxSegment = 256;

    private const int FirstRented = 16;

    private readonly Lock _gate = new();
    private readonly Segment _first = new(new FeedItem[FirstSegment], rented: false);
    // Writers, under _gate.
    private Segment _tail;
    // The reader's segment (its next slot is _taken - _head.Start).
    private Segment _head;
    // Items ever queued: written under _gate with an interlocked increment (the publication of the item); read by all.
    private long _enqueued;
    // Items ever taken, written by the reader only.
    private long _taken;
    private int _closed;

    public FeedQueue(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        Bound = bound;
        _head = _tail = _first;
    }

    /// <summary>Items that can be queued at once (a write may ask for a lower limit: <see cref="TryEnqueue"/>).</summary>
    public int Bound { get; }

    /// <summary>Items queued and not taken yet (exact for the reader; at most this many for a writer, never fewer).</summary>
    public long Count
    {
        get
        {
            // Taken first: both only grow, and nothing is taken before it is queued, so the difference is never negative.
            var taken = Volatile.Read(ref _taken);
            return Volatile.Read(ref _enqueued) - taken;
        }
    }

    /// <summary>Items the reader has taken so far.</summary>
    public long Taken => Volatile.Read(ref _taken);

    /// <summary>
    /// The slots the queue holds (a diagnostic; exact when the reader is not running): the first segment's, plus the
    /// rented segments between the reader and the writers' tail.
    /// </summary>
    public int SlotsHeld
    {
        get
        {
            lock (_gate)
            {
                var slots = FirstSegment;
                for (Segment? segment = Volatile.Read(ref _head); segment is not null; segment = ReferenceEquals(segment, _tail) ? null : segment.Next)
                {
                    slots += segment.Rented ? segment.Items.Length : 0;
                }

                return slots;
            }
        }
    }

    /// <summary>True once <see cref="Close"/> was called: nothing more is queued.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>True when the reader has something to do: an item to take, or the queue closed.</summary>
    public bool IsReady => IsClosed || Count > 0;

    /// <summary>
    /// Queues <paramref name="item"/> unless the queue is closed or already holds <paramref name="limit"/> items
    /// (at most <see cref="Bound"/>). On <see cref="EnqueueResult.Queued"/> the item is visible to the reader, and the
    /// increment that published it is a full fence (the caller's wake-up reads the reader's state after it).
    /// </summary>
    public EnqueueResult TryEnqueue(in FeedItem item, int limit)
    {
        lock (_gate)
        {
            if (_closed != 0)
            {
                return EnqueueResult.Closed;
            }

            // A stale _taken only overstates the count: a write may be refused a moment early, never let past the limit.
            var count = _enqueued - Volatile.Read(ref _taken);
            if (count >= Math.Min(limit, Bound))
            {
                return EnqueueResult.Full;
            }

            var tail = _tail;
            if (count == 0)
            {
                // Empty: the reader has taken (and cleared) every slot up to here, so the item goes to the first slot of
                // the first segment, whichever segment the reader is in (it follows the link below to get there).
                if (!ReferenceEquals(tail, _first))
                {
                    _first.Next = null;
                    tail.Next = _first;
                    _tail = tail = _first;
                }

                tail.Start = _enqueued;
                tail.Count = 0;
            }
            else if (tail.Count == tail.Items.Length)
            {
                var size = Math.Clamp(tail.Items.Length * 2, FirstRented, MaxSegment);
                var next = new Segment(ArrayPool<FeedItem>.Shared.Rent(size), rented: true) { Start = _enqueued };
                // Linked before the increment below publishes the item in it: a reader that sees the item sees the link.
                tail.Next = next;
                _tail = tail = next;
            }

            tail.Items[tail.Count] = item;
            Volatile.Write(ref tail.Count, tail.Count + 1);
            Interlocked.Increment(ref _enqueued);
            return EnqueueResult.Queued;
        }
    }

    /// <summary>The reader's next item, if one is queued (also after <see cref="Close"/>: queued items stay readable).</summary>
    public bool TryDequeue(out FeedItem item)
    {
        var taken = _taken;
        if (taken == Volatile.Read(ref _enqueued))
        {
            item = default;
            ShrinkWhenEmpty();
            return false;
        }

        var head = _head;
        var index = (int)(taken - head.Start);
        if (index == Volatile.Read(ref head.Count))
        {
            // The next item is not in this segment: a writer linked the next one (or went back to the first) before
            // publishing the item there, and writes no more here.
            var next = head.Next!;
            Leave(head);
            _head = head = next;
            index = (int)(taken - head.Start);
        }

        ref var slot = ref head.Items[index];
        item = slot;
        // Writers come back to a slot only once the queue is empty (every slot taken): clearing it races with nothing,
        // and frees what it referenced.
        slot = default;
        Volatile.Write(ref _taken, taken + 1);
        return true;
    }

    /// <summary>Refuses every later write; what is queued stays readable.</summary>
    public void Close()
    {
        lock (_gate)
        {
            // Under the gate, so no write lands after it; interlocked, so a waiter's state read after it sees a closed queue.
            Interlocked.Exchange(ref _closed, 1);
        }
    }

    /// <summary>An empty queue whose reader is in a rented segment goes back to the first one and gives the rented one back.</summary>
    private void ShrinkWhenEmpty()
    {
        if (!_head.Rented)
        {
            return;
        }

        lock (_gate)
        {
            // Writers are kept out; if one slipped an item in since the look above, the reader takes it first.
            if (_enqueued != _taken)
            {
                return;
            }

            // Empty: the reader is in the writers' tail segment, every slot of it taken.
            Leave(_head);
            _first.Next = null;
            _first.Start = _enqueued;
            _first.Count = 0;
            _head = _tail = _first;
        }
    }

    /// <summary>The reader is done with <paramref name="segment"/> (every slot taken and cleared).</summary>
    private static void Leave(Segment segment)
    {
        if (segment.Rented)
        {
            ArrayPool<FeedItem>.Shared.Return(segment.Items);
        }
    }

    private sealed class Segment(FeedItem[] items, bool rented)
    {
        public readonly FeedItem[] Items = items;
        public readonly bool Rented = rented;

        // The number (in _enqueued's count) of the item in slot 0.
        public long Start;

        // Slots written (by writers, under the gate).
        public int Count;

        // The next segment, linked by a writer (a new one when this is full, or the first again when the queue is empty).
        public Segment? Next;
    }
}

/// <summary>What <see cref="FeedQueue.TryEnqueue"/> did with an item.</summary>
public enum EnqueueResult
{
    Queued,
    Full,
    Closed,
}
