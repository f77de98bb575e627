using System.Diagnostics.Metrics;
using ChatMesh.Chat.Telemetry;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Live delivery instruments on the ChatMesh meter.</summary>
public sealed class LiveEventMetrics
{
    private readonly Counter<long> _dispatched;
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _committedLocally;
    private readonly Counter<long> _repaired;
    private readonly Counter<long> _lost;
    private readonly PipelineStages _stages;
    private static readonly KeyValuePair<string, object?> Consumed = PipelineStages.Stage("consumed");
    private static readonly KeyValuePair<string, object?> DispatchedStage = PipelineStages.Stage("dispatched");
    private static readonly KeyValuePair<string, object?> WrittenStage = PipelineStages.Stage("written");
    private static readonly KeyValuePair<string, object?> WrittenAllStage = PipelineStages.Stage("written_all");

    // The events being written, by id modulo the table's size: a writer finds its event's tracker without a lookup
    // structure or a lock (a dispatch of a later event with the same slot replaces it; the older one's stages go unrecorded).
    private const int WriteSlots = 256;
    private readonly DispatchWrites?[] _writes = new DispatchWrites?[WriteSlots];

    public LiveEventMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _dispatched = meter.CreateCounter<long>("chatmesh.live.dispatched", "{delivery}", "Events handed to local subscribers (one per subscriber).");
        _subscribers = meter.CreateUpDownCounter<long>("chatmesh.live.subscribers", "{subscriber}", "Local live subscribers (connections).");
        _duplicates = meter.CreateCounter<long>("chatmesh.live.duplicates", "{event}", "Logged events received again and dropped.");
        _committedLocally = meter.CreateCounter<long>("chatmesh.live.committed_locally", "{event}",
            "Logged events this instance committed and dispatched at once, ahead of their bus copy (which is then dropped, not counted as a duplicate).");
        _repaired = meter.CreateCounter<long>("chatmesh.live.repaired", "{event}", "Logged events missing from the bus and read from the outbox.");
        _lost = meter.CreateCounter<long>("chatmesh.live.lost", "{event}", "Logged events missing from the bus and no longer in the outbox.");
        _stages = new PipelineStages(meter, "chatmesh.live.since_commit",
            "Time from a logged event's commit to this instance consuming it from the bus (stage consumed), to its hand-over to every local subscriber (stage dispatched), and to the first and the last of its writes to those subscribers' clients completing (stages written, written_all).");
    }

    public void Dispatched(int deliveries)
    {
        if (deliveries > 0)
        {
            _dispatched.Add(deliveries);
        }
    }

    /// <summary>The events of a bus message reached this instance's consumer.</summary>
    public void EventsConsumed(IReadOnlyList<Events.ChatEventPublished> batch) => _stages.Record(batch, Consumed, TimeProvider.System.GetUtcNow());

    /// <summary>A logged event was handed to every local subscriber.</summary>
    public void EventDispatched(Events.ChatEventPublished published) => _stages.Record(published, DispatchedStage, TimeProvider.System.GetUtcNow());

    /// <summary>
    /// A logged event is about to be handed to <paramref name="recipients"/> subscribers: tracks its writes (null when
    /// nothing is recorded). Pass the result to <see cref="EndDispatch"/> once the hand-over is done.
    /// </summary>
    internal DispatchWrites? BeginDispatch(in LiveEvent liveEvent, int recipients)
    {
        if (liveEvent.Id <= 0 || recipients == 0 || !_stages.Enabled || CommitTimestamps.Of(liveEvent.Id, liveEvent.Json.Span) is not { } committed)
        {
            return null;
        }

        var writes = new DispatchWrites(liveEvent.Id, committed, recipients);
        Volatile.Write(ref _writes[(int)((ulong)liveEvent.Id % WriteSlots)], writes);
        return writes;
    }

    /// <summary>The hand-over is done; <paramref name="notHanded"/> of the recipients counted at its start did not get the event.</summary>
    internal void EndDispatch(DispatchWrites? writes, int notHanded)
    {
        if (writes is not null && notHanded > 0 && writes.Done(notHanded))
        {
            _stages.Record(writes.Committed, WrittenAllStage, TimeProvider.System.GetUtcNow());
        }
    }

    /// <summary>
    /// A connection's write of <paramref name="item"/> to its client completed. For a live logged event, the first such
    /// write on this instance records stage <c>written</c>, the last of its dispatch <c>written_all</c>; per write this
    /// costs a table read and an interlocked decrement, and a histogram record only twice per event.
    /// </summary>
    public void Written(in FeedItem item)
    {
        if (!item.IsLive || !item.IsLogged)
        {
            return;
        }

        var writes = Volatile.Read(ref _writes[(int)((ulong)item.Id % WriteSlots)]);
        if (writes is null || writes.EventId != item.Id)
        {
            return;
        }

        if (writes.TakeFirst())
        {
            _stages.Record(writes.Committed, WrittenStage, TimeProvider.System.GetUtcNow());
        }

        if (writes.Done(1))
        {
            _stages.Record(writes.Committed, WrittenAllStage, TimeProvider.System.GetUtcNow());
        }
    }

    public void SubscriberAdded() => _subscribers.Add(1);

    public void SubscriberRemoved() => _subscribers.Add(-1);

    public void DuplicateDropped() => _duplicates.Add(1);

    public void CommittedLocally() => _committedLocally.Add(1);

    public void Repaired(long count)
    {
        if (count > 0)
        {
            _repaired.Add(count);
        }
    }

    public void Lost(long count) => _lost.Add(count);
}
