using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Live delivery instruments on the ChatMesh meter.</summary>
public sealed class LiveEventMetrics
{
    private readonly Counter<long> _dispatched;
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _repaired;
    private readonly Counter<long> _lost;
    private readonly PipelineStages _stages;
    private static readonly KeyValuePair<string, object?> Consumed = PipelineStages.Stage("consumed");
    private static readonly KeyValuePair<string, object?> DispatchedStage = PipelineStages.Stage("dispatched");

    public LiveEventMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _dispatched = meter.CreateCounter<long>("chatmesh.live.dispatched", "{delivery}", "Events handed to local subscribers (one per subscriber).");
        _subscribers = meter.CreateUpDownCounter<long>("chatmesh.live.subscribers", "{subscriber}", "Local live subscribers (connections).");
        _duplicates = meter.CreateCounter<long>("chatmesh.live.duplicates", "{event}", "Logged events received again and dropped.");
        _repaired = meter.CreateCounter<long>("chatmesh.live.repaired", "{event}", "Logged events missing from the bus and read from the outbox.");
        _lost = meter.CreateCounter<long>("chatmesh.live.lost", "{event}", "Logged events missing from the bus and no longer in the outbox.");
        _stages = new PipelineStages(meter, "chatmesh.live.since_commit",
            "Time from a logged event's commit to this instance consuming it from the bus (stage consumed) and to its hand-over to every local subscriber (stage dispatched).");
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

    public void SubscriberAdded() => _subscribers.Add(1);

    public void SubscriberRemoved() => _subscribers.Add(-1);

    public void DuplicateDropped() => _duplicates.Add(1);

    public void Repaired(long count)
    {
        if (count > 0)
        {
            _repaired.Add(count);
        }
    }

    public void Lost(long count) => _lost.Add(count);
}
