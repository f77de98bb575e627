using System.Diagnostics;
using System.Runtime.CompilerServices;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// One connection's outbound feed, whatever the channel (WebSocket, SSE, NDJSON): a bounded queue of items and the
/// resume protocol in front of it. <see cref="SubscribeAsync"/> subscribes live first and holds live events back,
/// replays what the client missed from the log in batches, then releases the held events the replay did not cover;
/// <see cref="ReadAllAsync(CancellationToken)"/> skips logged ids already sent. The client sees every event once, in id order. A queue
/// that overflows marks the feed <see cref="Overflowed"/> and completes it: the channel tells the client why and ends.
/// A feed made with <c>onBehind</c> does not overflow on a burst of logged events: it falls <see cref="IsBehind"/>
/// instead (drops live events, which the log holds, and keeps its memory bound), and <see cref="CatchUpAsync"/> brings
/// it up to date from the log at the client's own pace, with the resume's hold, replay and release.
/// </summary>
public sealed partial class ResumableFeed : ILiveSubscriber, IDisposable
{
    // One lock per write, none for the reader; storage given back after a backlog (see FeedQueue).
    private readonly FeedQueue _queue;
    // The reader waits on this: see FeedSignal for where the wake-up is queued, and why a set is free while it runs.
    private readonly FeedSignal _signal;
    private readonly int _capacity;
    private readonly Func<string, string?, bool>? _filter;
    private readonly Action? _onOverflow;
    private readonly Action? _onBehind;
    private readonly Lock _gate = new();
    private List<FeedItem>? _held;
    private IDisposable? _live;
    private int _overflowed;
    // The newest logged id queued (live, replayed or released); the catch-up of a feed that fell behind starts after it.
    private long _lastQueuedId;
    // -1 while the feed is up to date; else the id after which a catch-up replays what the feed dropped.
    private long _behindAfter = -1;
    // Set (under _gate) when a hold reached capacity: its events were dropped and the release becomes a catch-up.
    private bool _heldDropped;
    // A catch-up's replay waits here for the reader to make room (see ReplayWriteAsync).
    private TaskCompletionSource? _roomWaiter;
    private int _completed;
    private volatile bool _discarded;

    /// <param name="userId">The user whose events this feed carries.</param>
    /// <param name="capacity">Items queued (and live events held during a replay) before the client counts as too slow.</param>
    /// <param name="filter">Which events (type, room; room null for personal events) the client wants; null for all.</param>
    /// <param name="onOverflow">Called once, on the thread that found the queue full, when the feed overflows.</param>
    /// <param name="onBehind">
    /// When set, a logged event that finds the queue (or a hold) full leaves the feed behind instead of overflowing:
    /// called on that thread (it must not block), after which the channel runs <see cref="CatchUpAsync"/>. Signals that
    /// find the queue full are then dropped (they are ephemeral); only a control item that does not fit overflows.
    /// </param>
    public ResumableFeed(string userId, int capacity, Func<string, string?, bool>? filter = null, Action? onOverflow = null, Action? onBehind = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        UserId = userId;
        _capacity = capacity;
        _filter = filter;
        _onOverflow = onOverflow;
        _onBehind = onBehind;
        // A feed that can fall behind keeps room beyond its capacity for control items: events stop at the capacity
        // (the feed falls behind), so an ack or an error still fits while a burst or a catch-up fills the queue.
        _queue = new FeedQueue(onBehind is null ? capacity : capacity + ControlReserve(capacity));
        _signal = new FeedSignal(_queue);
    }

    public string UserId { get; }

    /// <summary>True once an item did not fit: the feed is complete and the client must resume later.</summary>
    public bool Overflowed => Volatile.Read(ref _overflowed) != 0;

    /// <summary>The newest logged event id handed to the channel by <see cref="ReadAllAsync(CancellationToken)"/>.</summary>
    public long LastSentId { get; private set; }

    public void OnEvent(in LiveEvent liveEvent)
    {
        if (_filter is not null && !_filter(liveEvent.Type, liveEvent.Room))
        {
            return;
        }

        // The common case, no resume in progress, takes no lock. The hold is set before the feed subscribes (so no
        // event of that subscription can miss it) and cleared only after the held events are queued (so an event
        // that sees it cleared is queued after them); while it is set, the lock orders the two.
        // A feed that is behind drops live events (it is cleared only when its catch-up releases its hold, so an event
        // dropped here is one the catch-up's replay reads from the log).
        if (Volatile.Read(ref _held) is null)
        {
            if (!IsBehind)
            {
                Enqueue(FeedItem.From(liveEvent));
            }

            return;
        }

        lock (_gate)
        {
            if (_held is null)
            {
                if (!IsBehind)
                {
                    Enqueue(FeedItem.From(liveEvent));
                }

                return;
            }

            if (_heldDropped)
            {
                return;
            }

            if (_held.Count >= _capacity)
            {
                if (_onBehind is null)
                {
                    Overflow();
                    return;
                }

                // Held events are in the log: drop them; the release will catch up from the log instead.
                _heldDropped = true;
                _held.Clear();
                return;
            }

            _held.Add(FeedItem.From(liveEvent));
        }
    }

    /// <summary>Queues a live event; one that does not fit overflows the feed, or leaves a feed made with onBehind behind.</summary>
    private void Enqueue(in FeedItem item)
    {
        if (TryQueueEvent(item))
        {
            _signal.Set();
        }
        else if (_onBehind is null)
        {
            Overflow();
        }
        else if (item.Id > 0)
        {
            // Dropped, as every live event after it until the catch-up holds them: the log has them all.
            if (Interlocked.CompareExchange(ref _behindAfter, Interlocked.Read(ref _lastQueuedId), -1) == -1)
            {
                NotifyBehind();
            }
        }
    }

    /// <summary>Queues an event (not a control item) if it fits: within the capacity, for a feed made with onBehind.</summary>
    private bool TryQueueEvent(in FeedItem item)
    {
        // Within the capacity for a feed made with onBehind (the rest is the control items' reserve), else the bound.
        if (_queue.TryEnqueue(item, _capacity) != EnqueueResult.Queued)
        {
            return false;
        }

        NoteQueued(item.Id);
        return true;
    }

    private void NoteQueued(long id)
    {
        // Logged ids are queued in id order (one dispatcher; a replay and its release under the hold): no race to lose.
        if (id > 0)
        {
            Volatile.Write(ref _lastQueuedId, Math.Max(id, Volatile.Read(ref _lastQueuedId)));
        }
    }

    /// <summary>True while items are queued that the reader has not taken yet.</summary>
    public bool HasQueued => _queue.Count > 0;

    /// <summary>Queues a channel's own item (hello, ack, heartbeat…) without waiting; a full queue overflows the feed.</summary>
    public bool TrySendControl(string type, ReadOnlyMemory<byte> json)
    {
        if (_queue.TryEnqueue(new FeedItem(0, type, null, json, IsControl: true), _queue.Bound) == EnqueueResult.Queued)
        {
            _signal.Set();
            return true;
        }

        Overflow();
        return false;
    }

    /// <summary>
    /// Starts live delivery, first replaying what followed <paramref name="after"/> when it is set. Live events are
    /// held from before the room list is read until the replay is queued, then released unless the replay covered
    /// them. <paramref name="beforeRelease"/> runs just before the release, so a channel can queue its "subscribed"
    /// or "reset" item ahead of the live events. On a <see cref="ChatException"/> or a transient Redis failure
    /// (<see cref="StoreFailures.IsTransient"/>) the feed is left unsubscribed (held events dropped) and the exception
    /// propagates; the caller may subscribe again.
    /// </summary>
    public async Task<ResumeResult> SubscribeAsync(
        IChatService chat,
        ILiveEventHub hub,
        long? after,
        int batchSize,
        Action<ResumeResult>? beforeRelease,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (after is < 0)
        {
            throw new ChatException(ChatError.InvalidArgument, "after must not be negative.");
        }

        try
        {
            if (after is not { } resumeAfter)
            {
                await SubscribeLiveAsync(chat, hub, cancellationToken).ConfigureAwait(false);
                var live = new ResumeResult(await chat.GetHeadAsync(cancellationToken).ConfigureAwait(false), 0, Reset: false);
                beforeRelease?.Invoke(live);
                return live;
            }

            BeginHold();
            await SubscribeLiveAsync(chat, hub, cancellationToken).ConfigureAwait(false);
            var result = await ReplayAsync(chat, resumeAfter, batchSize, cancellationToken).ConfigureAwait(false);
            beforeRelease?.Invoke(result);
            // After a reset the client reloads history and takes live events from here on.
            EndHold(result.Reset ? 0 : result.LastReplayedId, result.Reset ? result.Head : result.LastReplayedId);
            return result;
        }
        catch (Exception ex) when (ex is ChatException || StoreFailures.IsTransient(ex))
        {
            Unsubscribe();
            EndHold(long.MaxValue, long.MaxValue);
            throw;
        }
    }

    private async Task<ResumeResult> ReplayAsync(IChatService chat, long after, int batchSize, CancellationToken cancellationToken)
    {
        var last = after;
        long replayed = 0;
        while (true)
        {
            var batch = await chat.ReplayAsync(UserId, last, batchSize, cancellationToken).ConfigureAwait(false);
            if (batch.Reset)
            {
                // Part of what was missed is beyond retention: say so instead of leaving a silent gap.
                return new ResumeResult(batch.Head, replayed, Reset: true);
            }

            foreach (var storedEvent in batch.Events)
            {
                last = storedEvent.Id;
                if (_filter is not null && !_filter(storedEvent.Type, storedEvent.Room))
                {
                    continue;
                }

                // Waits for room rather than failing: the replay is paced by the client.
                await ReplayWriteAsync(new FeedItem(storedEvent.Id, storedEvent.Type, storedEvent.Room, storedEvent.Json, IsControl: false), cancellationToken)
                    .ConfigureAwait(false);
                _signal.Set();
                replayed++;
            }

            if (!batch.More)
            {
                return new ResumeResult(Math.Max(batch.Head, last), replayed, Reset: false) { LastReplayedId = last };
            }
        }
    }

    private async Task SubscribeLiveAsync(IChatService chat, ILiveEventHub hub, CancellationToken cancellationToken)
    {
        var rooms = await RoomsAsync(chat, cancellationToken).ConfigureAwait(false);
        var live = hub.Subscribe(this, rooms);
        Interlocked.Exchange(ref _live, live)?.Dispose();

        // A room joined between reading the list and subscribing passed the hub before we listened: look again.
        var again = await RoomsAsync(chat, cancellationToken).ConfigureAwait(false);
        if (!again.IsSubsetOf(rooms))
        {
            var wider = hub.Subscribe(this, again);
            Interlocked.Exchange(ref _live, wider)?.Dispose();
        }
    }

    private async Task<HashSet<string>> RoomsAsync(IChatService chat, CancellationToken cancellationToken)
    {
        var mine = await chat.ListMyRoomsAsync(UserId, cancellationToken).ConfigureAwait(false);
        return [.. mine.Select(room => room.Room.Id)];
    }

    private void BeginHold()
    {
        lock (_gate)
        {
            _heldDropped = false;
            Volatile.Write(ref _held, _held ?? []);
        }
    }

    /// <summary>
    /// Queues the held events after <paramref name="replayedThrough"/> and ends the hold. When the hold was dropped
    /// (or does not fit), a feed made with onBehind is left behind from <paramref name="resumeAfter"/>, or from the
    /// last event that fit; otherwise it is up to date again.
    /// </summary>
    private void EndHold(long replayedThrough, long resumeAfter)
    {
        var notify = false;
        lock (_gate)
        {
            if (_held is null)
            {
                return;
            }

            var behind = _heldDropped;
            if (!behind)
            {
                foreach (var held in _held)
                {
                    if ((held.Id == 0 || held.Id > replayedThrough) && !TryQueueEvent(held))
                    {
                        if (_onBehind is null)
                        {
                            Overflow();
                            break;
                        }

                        behind = true;
                        break;
                    }
                }
            }

            _signal.Set();
            _heldDropped = false;
            if (_onBehind is not null)
            {
                // Set or cleared with the hold, under the lock: a live event that finds no hold sees the result (behind:
                // dropped, to be replayed after the last event queued; else queued after the released ones).
                var after = behind ? Math.Max(resumeAfter, Interlocked.Read(ref _lastQueuedId)) : -1;
                notify = Interlocked.Exchange(ref _behindAfter, after) < 0 && behind;
            }

            Volatile.Write(ref _held, null);
        }

        if (notify)
        {
            NotifyBehind();
        }
    }

    /// <summary>The single reader: every queued item in order, logged ids already handed out skipped, until the feed completes.</summary>
    public IAsyncEnumerable<FeedItem> ReadAllAsync(CancellationToken cancellationToken) => ReadAllAsync(whenDrained: null, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAllAsync(CancellationToken)"/>; <paramref name="whenDrained"/> runs each time the queue is
    /// empty, before the reader waits or ends, so a channel can write out what it collected from a run of items.
    /// </summary>
    public async IAsyncEnumerable<FeedItem> ReadAllAsync(Func<ValueTask>? whenDrained, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The wait (on the feed's signal, set after every write and on completion) is uncancellable and allocates
        // nothing; cancellation completes the feed instead: what is queued is still read, then the enumeration throws.
        using var cancelled = cancellationToken.UnsafeRegister(static feed => ((ResumableFeed)feed!).Complete(), this);
        while (true)
        {
            while (TryRead(out var item))
            {
                yield return item;
            }

            if (whenDrained is not null)
            {
                await whenDrained().ConfigureAwait(false);
            }

            // Complete once the writer is done and the queue is drained (set synchronously by the last read).
            if (IsDrained)
            {
                break;
            }

            await WaitAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// The single reader's next item without an enumerator (what <see cref="ReadAllAsync(CancellationToken)"/> yields next: logged ids
    /// already handed out are skipped); false when nothing is queued or the feed was discarded. With
    /// <see cref="IsDrained"/> and <see cref="WaitAsync"/> a channel can run its writer loop without an async iterator.
    /// </summary>
    public bool TryRead(out FeedItem item)
    {
        while (!_discarded && _queue.TryDequeue(out item))
        {
            // A replay waiting for room goes on (also when this item is skipped: the queue shrank).
            WakeReplay();

            if (item.Id > 0)
            {
                if (item.Id <= LastSentId)
                {
                    continue;
                }

                LastSentId = item.Id;
            }

            return true;
        }

        // Empty (or discarded): a full fence, then one more look for a replay waiting for room. Taking an item and
        // reading the waiter above are not ordered against the replay's own store-then-look; if both missed, the reader
        // either takes another item (and looks again) or comes here before it waits.
        Interlocked.MemoryBarrier();
        WakeReplay();
        item = default;
        return false;
    }

    private void WakeReplay()
    {
        if (Volatile.Read(ref _roomWaiter) is not null && Interlocked.Exchange(ref _roomWaiter, null) is { } waiter)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>True once the feed is complete and every queued item was read (or the feed was discarded).</summary>
    public bool IsDrained => _discarded || (_queue.IsClosed && _queue.Count == 0);

    /// <summary>
    /// Waits, without allocating and without cancellation, until an item was queued or the feed completed since the last
    /// wait (returns at once if so); one waiter at a time (the single reader). To stop waiting, complete the feed.
    /// </summary>
    public ValueTask WaitAsync() => _signal.WaitAsync();

    /// <summary>Ends the feed normally: items already queued are still read, then <see cref="ReadAllAsync(CancellationToken)"/> ends.</summary>
    public void Complete()
    {
        // Set first: an item refused because the feed is complete is no overflow.
        Volatile.Write(ref _completed, 1);
        _queue.Close();
        _signal.Set();
        Volatile.Read(ref _roomWaiter)?.TrySetResult();
    }

    /// <summary>
    /// Ends the feed at once: what is still queued is dropped (the client resumes later). The channel's send in
    /// flight, if any, is left to finish — cancelling a socket send aborts the connection before it can say why.
    /// </summary>
    public void Discard()
    {
        _discarded = true;
        Complete();
    }

    /// <summary>Stops live delivery (the queue stays readable).</summary>
    public void Unsubscribe() => Interlocked.Exchange(ref _live, null)?.Dispose();

    public void Dispose()
    {
        Unsubscribe();
        Complete();
    }

    private void Overflow()
    {
        if (Volatile.Read(ref _completed) != 0)
        {
            return;
        }

        if (Interlocked.Exchange(ref _overflowed, 1) == 0)
        {
            _queue.Close();
            _signal.Set();
            Volatile.Read(ref _roomWaiter)?.TrySetResult();
            _onOverflow?.Invoke();
        }
    }
}

/// <summary>
/// One item of a <see cref="ResumableFeed"/>: a logged event (<see cref="Id"/> &gt; 0), an ephemeral signal
/// (<see cref="Id"/> 0) — both carrying their stored wire JSON — or a channel's own control item.
/// </summary>
public readonly record struct FeedItem(long Id, string Type, string? Room, ReadOnlyMemory<byte> Json, bool IsControl)
{
    /// <summary>True for an event that arrived live (not read back by a resume's replay): its write latency is measured.</summary>
    public bool IsLive { get; init; }

    /// <summary>
    /// The span that handed this live event over (in the trace of the action that caused it) when its write is traced:
    /// set for the sampled recipients of a dispatch only (see <see cref="LiveEvent.Cause"/>), null for the others.
    /// </summary>
    public Activity? Cause { get; init; }

    /// <summary>A logged event (not a signal, not a control item): the kind of item delivery metrics and spans count.</summary>
    public bool IsLogged => Id > 0 && !IsControl;

    internal static FeedItem From(in LiveEvent liveEvent) => new(liveEvent.Id, liveEvent.Type, liveEvent.Room, liveEvent.Json, IsControl: false)
    {
        IsLive = true,
        Cause = liveEvent.Cause,
    };
}

/// <summary>How a subscription started: the log head, events replayed, and whether a reset replaced the replay.</summary>
public readonly record struct ResumeResult(long Head, long Replayed, bool Reset)
{
    /// <summary>The last event id the replay read (the resume point when nothing was missed).</summary>
    public long LastReplayedId { get; init; }
}
