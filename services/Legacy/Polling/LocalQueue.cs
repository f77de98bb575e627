using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// A queue as this instance knows it between polls (<see cref="LegacyOptions.RepollWindow"/>): its live subscription,
/// kept from one poll to the next so a re-poll neither subscribes again nor reads the log; the cursor this instance last
/// answered; the acknowledgement, expiry and held-poll lease it wrote to Redis. A re-poll that sends exactly the cursor
/// this instance answered, while nothing told it the queue changed elsewhere, needs nothing from Redis: every event after
/// that cursor reaches the subscription (<see cref="Follows"/>), and what it owes Redis is written in batches
/// (<see cref="QueueWrites"/>) before its answer.
/// </summary>
internal sealed class LocalQueue(EventQueue queue, int capacity) : IDisposable
{
    private readonly Lock _gate = new();
    private IDisposable? _subscription;

    // Registry state, guarded by _gate.
    private bool _holding;
    private bool _stale;
    private bool _evicted;
    private long _answered = -1;
    private long _acked;
    private long _durableAck;
    private string? _lease;
    private long _leaseUntil;
    private long _expiresAt;
    private long _endedAt;

    // What the next batched write owes Redis, guarded by _gate.
    private long _writeExpiry;
    private bool _writeAcquire;
    private bool _leaseRefused;
    private string? _writeRelease;

    /// <summary>The queue's owner and filter (its cursor fields are those of the poll that registered it here).</summary>
    public EventQueue Queue => queue;

    public string Id => queue.Id;

    public string User => queue.User;

    /// <summary>Set by <see cref="QueueWrites"/> under its own lock while this queue waits for a flush.</summary>
    public bool QueuedForWrite { get; set; }

    // --- The live subscription: only the poll holding this queue touches it.

    /// <summary>The subscriber that keeps what was heard since the last answer.</summary>
    public PollWaiter Waiter { get; private set; } = new(queue.User, queue.Filter, capacity);

    /// <summary>Every event after this id that the queue wants has reached <see cref="Waiter"/>; <c>long.MaxValue</c>: unknown.</summary>
    public long TrustedFrom { get; set; } = long.MaxValue;

    /// <summary>Subscribes afresh (dropping what an earlier subscription heard); returns the hub's dispatched id read after it.</summary>
    public long Subscribe(ILiveEventHub hub, IEnumerable<string> rooms)
    {
        _subscription?.Dispose();
        Waiter = new PollWaiter(queue.User, queue.Filter, capacity);
        TrustedFrom = long.MaxValue;
        _subscription = hub.Subscribe(Waiter, rooms);
        // The hub dispatches one event at a time, in id order, each only once committed: the one in flight now may miss
        // this subscription, but the log read that follows covers it, and every later one reaches the subscription.
        return hub.LastDispatchedId;
    }

    /// <summary>
    /// Whether what the subscription heard after <paramref name="cursor"/> is exactly what the log holds after it: the
    /// subscription has been continuous since a read that proved it caught up at or before the cursor, it still keeps
    /// everything it heard after the cursor (none did not fit, none was forgotten as answered), and the hub skipped nothing
    /// after the cursor.
    /// </summary>
    public bool Follows(long cursor, long skippedThrough) =>
        _subscription is not null && TrustedFrom <= cursor && skippedThrough <= cursor && Waiter.Keeps(cursor);

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
        TrustedFrom = long.MaxValue;
    }

    // --- Registry state.

    /// <summary>
    /// Starts a held poll without its own Redis round trip, when it continues exactly where this instance's last answer
    /// left the queue: queues, for the next batch, its held-poll lease (counted against the cap there, like the queue
    /// script does), its acknowledgement and, when due, the expiry refresh. The poll holds once that batch is written
    /// and granted the lease (<see cref="HoldsLease"/>).
    /// </summary>
    public bool TryResume(string user, long cursor, long now, TimeSpan hold, LegacyOptions options)
    {
        var holdMs = (long)hold.TotalMilliseconds;
        var graceMs = (long)options.HeldPollLeaseGrace.TotalMilliseconds;
        var idleMs = (long)options.QueueIdleTimeout.TotalMilliseconds;
        lock (_gate)
        {
            if (_holding || _stale || _evicted || _answered != cursor || !string.Equals(user, queue.User, StringComparison.Ordinal))
            {
                return false;
            }

            _holding = true;
            _acked = Math.Max(_acked, cursor);
            _lease = EventQueueStore.NewLease();
            _leaseUntil = now + holdMs + graceMs;
            _writeAcquire = true;
            _leaseRefused = false;

            // The queue lives at least the idle timeout past this hold's end; refreshed a tenth of it ahead, so steady
            // polling refreshes it rarely (an abandoned queue may then live up to a tenth longer).
            if (_expiresAt < now + holdMs + idleMs)
            {
                _expiresAt = now + holdMs + idleMs + (idleMs / 10);
                _writeExpiry = _expiresAt;
            }

            return true;
        }
    }

    /// <summary>Whether the batch granted the lease this poll asked for (false: the cap was reached, or the write failed).</summary>
    public bool HoldsLease
    {
        get
        {
            lock (_gate)
            {
                return _lease is not null && !_leaseRefused && !_stale;
            }
        }
    }

    /// <summary>The batch refused the lease: the user holds the maximum of held polls.</summary>
    public void LeaseRefused()
    {
        lock (_gate)
        {
            _leaseRefused = true;
        }
    }

    /// <summary>Takes the queue for a poll that starts with the queue script; false when another poll holds it.</summary>
    public bool TryClaim(string user)
    {
        lock (_gate)
        {
            if (_holding || _evicted || !string.Equals(user, queue.User, StringComparison.Ordinal))
            {
                return false;
            }

            _holding = true;
            return true;
        }
    }

    /// <summary>The lease of the poll holding this queue (null: none).</summary>
    public string? Lease
    {
        get
        {
            lock (_gate)
            {
                return _lease;
            }
        }
    }

    /// <summary>The acknowledgement this instance made (written or about to be), for the cursor-behind check.</summary>
    public long Acked
    {
        get
        {
            lock (_gate)
            {
                return _acked;
            }
        }
    }

    /// <summary>What the queue script just wrote: the acknowledged cursor, the lease and the expiry. The queue is fresh again.</summary>
    public void Started(long cursor, string lease, long leaseUntil, long expiresAt)
    {
        lock (_gate)
        {
            _stale = false;
            _acked = Math.Max(_acked, cursor);
            _durableAck = Math.Max(_durableAck, cursor);
            _lease = lease;
            _leaseUntil = leaseUntil;
            _expiresAt = expiresAt;
        }
    }

    /// <summary>
    /// The held poll answered (<paramref name="answered"/> is its <c>lastEventId</c>), or failed (null: start again from
    /// Redis); its lease is owed back to Redis. False when the queue was forgotten meanwhile (the instance is stopping):
    /// the caller then unsubscribes it.
    /// </summary>
    public bool Ended(long? answered, long timestamp)
    {
        lock (_gate)
        {
            _holding = false;
            if (_lease is { } lease && !_leaseRefused)
            {
                _writeRelease = lease;
            }

            _lease = null;
            _writeAcquire = false;
            if (_evicted)
            {
                return false;
            }

            _endedAt = timestamp;
            if (answered is { } cursor)
            {
                _answered = cursor;
            }
            else
            {
                _stale = true;
            }

            return true;
        }
    }

    /// <summary>Something changed the queue elsewhere (another instance polled or deleted it, or a write failed).</summary>
    public void MarkStale()
    {
        lock (_gate)
        {
            _stale = true;
        }
    }

    /// <summary>
    /// Forgets the queue when no poll held it for <paramref name="window"/> (or at once with <paramref name="force"/>: a
    /// poll still holding it gives its lease back when it ends).
    /// </summary>
    public bool TryEvict(long timestamp, TimeSpan window, TimeProvider time, bool force)
    {
        bool idle;
        lock (_gate)
        {
            if (_evicted || (!force && (_holding || time.GetElapsedTime(_endedAt, timestamp) < window)))
            {
                return false;
            }

            _evicted = true;
            idle = !_holding;
        }

        // A poll still holding it unsubscribes when it ends (Ended answers false).
        if (idle)
        {
            Dispose();
        }

        return true;
    }

    /// <summary>
    /// Appends this queue's owed writes (<see cref="EventQueueScripts.Flush"/> records): a lease given back to
    /// <paramref name="releases"/>, which the batch writes first so that its slot is free for the leases it grants;
    /// the rest to <paramref name="records"/>. Returns the acknowledgement written.
    /// </summary>
    public long TakeWrites(long now, List<StackExchange.Redis.RedisValue> releases, List<StackExchange.Redis.RedisValue> records)
    {
        lock (_gate)
        {
            if (_writeRelease is { } released)
            {
                EventQueueScripts.AddRelease(releases, queue.Id, queue.User, released);
                _writeRelease = null;
            }

            if (_writeAcquire && _lease is { } lease)
            {
                EventQueueScripts.AddAcquire(records, queue.Id, queue.User, lease, _leaseUntil);
                _writeAcquire = false;
            }

            var ack = _acked > _durableAck ? _acked : -1;
            if (ack >= 0 || _writeExpiry > 0)
            {
                EventQueueScripts.AddAck(records, queue.Id, queue.User, Math.Max(ack, _durableAck), _writeExpiry > 0 ? _writeExpiry - now : 0);
                _writeExpiry = 0;
            }

            return ack;
        }
    }

    /// <summary>The batch holding acknowledgement <paramref name="ack"/> is in Redis.</summary>
    public void Written(long ack)
    {
        lock (_gate)
        {
            _durableAck = Math.Max(_durableAck, ack);
        }
    }
}
