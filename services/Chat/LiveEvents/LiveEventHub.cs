using System.Diagnostics;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Chat.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// Dispatches the events this instance consumes to its local subscribers. Logged events arrive in global id order
/// through this instance's queue; the hub drops ids it has dispatched and repairs gaps from the outbox so that every
/// local subscriber sees every event once, in id order. Routing tables are slot arrays per room and per user
/// (<see cref="SubscriberSet"/>: O(1) subscribe and unsubscribe); dispatch looks the set up under a short lock and
/// iterates its slots outside it, so a subscriber may unsubscribe from inside OnEvent.
/// </summary>
public sealed partial class LiveEventHub(
    IConnectionMultiplexer redis,
    IOptions<LiveEventOptions> options,
    LiveEventMetrics metrics,
    ILogger<LiveEventHub> logger) : ILiveEventHub
{
    private const int RepairBatchSize = 512;
    // Above any set's size: see Dispatch.
    private const int UncountedRecipients = int.MaxValue / 2;
    private static readonly Subscription?[] NoSlots = [];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SubscriberSet> _byRoom = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SubscriberSet> _byUser = new(StringComparer.Ordinal);
    // Logged events are handled one at a time: ordering, dedupe and repair depend on it.
    private readonly SemaphoreSlim _ordering = new(1, 1);
    // The ids dispatched by TryDispatchCommitted, by id modulo the table's size: their bus copies are expected, not duplicates.
    private const int LocalSlots = 256;
    private readonly long[] _dispatchedLocally = new long[LocalSlots];
    private long _lastDispatchedId;
    private long _skippedThrough;

    public long LastDispatchedId => Interlocked.Read(ref _lastDispatchedId);

    public long SkippedThrough => Interlocked.Read(ref _skippedThrough);

    /// <summary>Dispatches one logged event from the bus, after any events missing before it.</summary>
    public ValueTask DeliverAsync(ChatEventPublished published, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(published);
        return DeliverAsync([published], cancellationToken);
    }

    /// <summary>
    /// Dispatches a batch of logged events from the bus (oldest first), each after any events missing before it;
    /// ids already dispatched are dropped.
    /// </summary>
    public async ValueTask DeliverAsync(IReadOnlyList<ChatEventPublished> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        metrics.EventsConsumed(batch);
        await _ordering.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var published in batch)
            {
                var last = LastDispatchedId;
                if (published.Id <= last)
                {
                    // Dispatched ahead by the instance that committed it (expected), published twice around a
                    // publisher failover, or already dispatched by a gap repair.
                    if (Volatile.Read(ref _dispatchedLocally[(int)((ulong)published.Id % LocalSlots)]) != published.Id)
                    {
                        metrics.DuplicateDropped();
                    }
                    continue;
                }
                if (last == 0)
                {
                    // Whatever came before this instance's first event never passed through it.
                    Interlocked.Exchange(ref _skippedThrough, published.Id - 1);
                }
                else if (published.Id > last + 1)
                {
                    await RepairAsync(last + 1, published.Id - 1).ConfigureAwait(false);
                }
                DispatchLogged(published);
                metrics.EventDispatched(published);
            }
        }
        finally
        {
            _ordering.Release();
        }
    }

    /// <summary>
    /// Dispatches an event this instance has just committed without waiting for its bus copy, when that keeps id order:
    /// the hub has dispatched exactly the id before it (so nothing older can still be on its way) and no bus batch or
    /// repair is being dispatched (the ordering lock is free; it is never waited for here). The bus copy, when it comes,
    /// is dropped as already dispatched. The committing service's subscribers then get the event one broker round trip
    /// (outbox read, publish, confirm, consume) sooner; other instances still get it from the bus.
    /// </summary>
    public bool TryDispatchCommitted(StoredEvent committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        if (!options.Value.DispatchCommittedLocally || LastDispatchedId == 0 || committed.Id != LastDispatchedId + 1 || !_ordering.Wait(0))
        {
            return false;
        }
        try
        {
            if (committed.Id != LastDispatchedId + 1)
            {
                return false;
            }
            var published = new ChatEventPublished(committed.Id, committed.Type, committed.Room, committed.User, committed.Json.ToArray(),
                ChatTelemetry.CurrentTraceParent());
            Volatile.Write(ref _dispatchedLocally[(int)((ulong)committed.Id % LocalSlots)], committed.Id);
            DispatchLogged(published);
            metrics.CommittedLocally();
            metrics.EventDispatched(published);
            return true;
        }
        finally
        {
            _ordering.Release();
        }
    }

    /// <summary>
    /// Repairs from the outbox up to its newest entry if the bus has left this hub behind: dispatches what it never
    /// heard (in id order, once) and returns how many ids it covered. A hub that never dispatched has nothing to
    /// continue from and returns 0. Live events for these ids that still arrive later are dropped as duplicates.
    /// </summary>
    public async Task<long> CatchUpAsync(CancellationToken cancellationToken)
    {
        var head = await Outbox.OutboxEntries.ReadNewestIdAsync(redis.GetDatabase()).ConfigureAwait(false);
        if (LastDispatchedId == 0 || head <= LastDispatchedId)
        {
            return 0;
        }
        await _ordering.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var last = LastDispatchedId;
            if (head <= last)
            {
                return 0;
            }
            LogCatchingUp(last + 1, head);
            await RepairAsync(last + 1, head).ConfigureAwait(false);
            return head - last;
        }
        finally
        {
            _ordering.Release();
        }
    }

    /// <summary>Dispatches an ephemeral signal (typing, presence): to the room's members, or else to the user.</summary>
    public void DeliverSignal(EphemeralSignalPublished signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var liveEvent = new LiveEvent(0, signal.Type, signal.Room, signal.User, signal.Json);
        Dispatch(in liveEvent, signal.Room is not null ? Targets(_byRoom, signal.Room) : Targets(_byUser, signal.User));
    }

    private void DispatchLogged(ChatEventPublished published)
    {
        // Part of the trace of the action that committed the event: which instance handed it to how many.
        using var span = ChatTelemetry.StartContinuing("live dispatch", ActivityKind.Internal, published.TraceParent);
        span.Activity?.SetTag("chatmesh.event_id", published.Id);
        span.Activity?.SetTag("chatmesh.room", published.Room);
        var liveEvent = new LiveEvent(published.Id, published.Type, published.Room, published.User, published.Json);
        if (published.User is not null)
        {
            Dispatch(in liveEvent, Targets(_byUser, published.User));
        }
        else if (published.Room is not null)
        {
            var member = published.Type is ChatEventTypes.MemberJoined or ChatEventTypes.MemberLeft
                ? MemberEventReader.ReadUser(published.Json)
                : null;
            if (member is not null && published.Type == ChatEventTypes.MemberJoined)
            {
                // Before delivery, so the new member's connections see their own join.
                Join(member, published.Room);
            }
            Dispatch(in liveEvent, Targets(_byRoom, published.Room));
            if (member is not null && published.Type == ChatEventTypes.MemberLeft)
            {
                // After delivery, so the leaving member's connections see their own leave.
                Leave(member, published.Room);
            }
        }
        Interlocked.Exchange(ref _lastDispatchedId, published.Id);
    }

    private void Dispatch(in LiveEvent liveEvent, SubscriberSet? targets)
    {
        var recipients = targets?.Count ?? 0;
        Activity.Current?.SetTag("chatmesh.recipients", recipients);
        // Write spans are a sample: the first few recipients remember this dispatch as their write's parent, the
        // others nothing, so a large room costs a few spans per event, not one per connection.
        var sampled = liveEvent.Id > 0 ? options.Value.WriteSpansPerDispatch : 0;
        var traced = sampled > 0 && DeliveryTracing.CurrentCause() is { } cause ? liveEvent with { Cause = cause } : liveEvent;
        // The set may change while it is iterated, so the writes tracked count down from more than can ever be handed
        // out, and the rest is taken off at the end: the last write completes the count, not an estimate.
        var writes = metrics.BeginDispatch(in liveEvent, recipients == 0 ? 0 : UncountedRecipients);
        var delivered = 0;
        var end = 0;
        var slots = targets is null ? NoSlots : targets.Read(out end);
        // The writer loops this hand-over wakes are resumed a chunk of feeds per work item, not one work item each.
        using var wakes = FeedWakeBatch.Open(options.Value.WakeBatchSize);
        for (var i = 0; i < end; i++)
        {
            if (Volatile.Read(ref slots[i]) is not { } subscription || subscription.IsDisposed)
            {
                continue;
            }
            try
            {
                if (delivered < sampled)
                {
                    subscription.Subscriber.OnEvent(in traced);
                }
                else
                {
                    subscription.Subscriber.OnEvent(in liveEvent);
                }
                delivered++;
            }
            catch (Exception exception)
            {
                // A broken subscriber must not starve the others; it is dropped and its client will resume.
                LogSubscriberFailed(exception, subscription.Subscriber.UserId);
                subscription.Dispose();
            }
        }
        metrics.EndDispatch(writes, UncountedRecipients - delivered);
        metrics.Dispatched(delivered);
    }

    private async Task RepairAsync(long fromId, long toId)
    {
        var missing = toId - fromId + 1;
        if (missing > options.Value.MaxGapRepair)
        {
            LogGapTooLarge(fromId, toId, options.Value.MaxGapRepair);
            metrics.Lost(missing);
            Interlocked.Exchange(ref _skippedThrough, toId);
            return;
        }
        var repaired = 0L;
        var next = fromId;
        try
        {
            while (next <= toId)
            {
                var batch = await Outbox.OutboxEntries.ReadRangeAsync(redis.GetDatabase(), next, toId, RepairBatchSize).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    break;
                }
                foreach (var published in batch)
                {
                    DispatchLogged(published);
                    repaired++;
                }
                next = batch[^1].Id + 1;
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogRepairFailed(exception, fromId, toId);
        }
        metrics.Repaired(repaired);
        if (repaired < missing)
        {
            // Trimmed from the outbox (or never written): these connections cannot get them live; a resume from the
            // log replays what is still retained, and beyond retention the client gets a reset.
            LogGapUnrepaired(fromId, toId, missing - repaired);
            metrics.Lost(missing - repaired);
            Interlocked.Exchange(ref _skippedThrough, toId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live subscriber of user {UserId} threw; unsubscribed")]
    private partial void LogSubscriberFailed(Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gap of live events {FromId}..{ToId} exceeds {MaxGapRepair}; not repaired")]
    private partial void LogGapTooLarge(long fromId, long toId, int maxGapRepair);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gap of live events {FromId}..{ToId}: {Missing} not found in the outbox; local subscribers miss them")]
    private partial void LogGapUnrepaired(long fromId, long toId, long missing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live events stalled behind the outbox; catching up {FromId}..{ToId} from the outbox")]
    private partial void LogCatchingUp(long fromId, long toId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gap of live events {FromId}..{ToId} could not be read from the outbox")]
    private partial void LogRepairFailed(Exception exception, long fromId, long toId);
}
