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

    public LiveEventMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _dispatched = meter.CreateCounter<long>("chatmesh.live.dispatched", "{delivery}", "Events handed to local subscribers (one per subscriber).");
        _subscribers = meter.CreateUpDownCounter<long>("chatmesh.live.subscribers", "{subscriber}", "Local live subscribers (connections).");
        _duplicates = meter.CreateCounter<long>("chatmesh.live.duplicates", "{event}", "Logged events received again and dropped.");
        _repaired = meter.CreateCounter<long>("chatmesh.live.repaired", "{event}", "Logged events missing from the bus and read from the outbox.");
        _lost = meter.CreateCounter<long>("chatmesh.live.lost", "{event}", "Logged events missing from the bus and no longer in the outbox.");
    }

    public void Dispatched(int deliveries)
    {
        if (deliveries > 0)
        {
            _dispatched.Add(deliveries);
        }
    }

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
