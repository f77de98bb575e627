using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.Outbox;

/// <summary>The outbox publisher's instruments on the ChatMesh meter.</summary>
internal sealed class OutboxMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _messages;
    private long _lag = -1;

    public OutboxMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _published = meter.CreateCounter<long>("chatmesh.outbox.published", "{event}", "Outbox entries published to the bus by this instance.");
        _messages = meter.CreateCounter<long>("chatmesh.outbox.messages", "{message}", "Bus messages (batches of consecutive events) published by this instance.");
        meter.CreateObservableGauge(
            "chatmesh.outbox.lag",
            ObserveLag,
            "{event}",
            "Logged events not yet published (newest id minus last published id); reported by the leader only.");
    }

    public void Published(int count) => _published.Add(count);

    public void MessagePublished() => _messages.Add(1);

    public void SetLag(long lag) => Interlocked.Exchange(ref _lag, Math.Max(lag, 0));

    /// <summary>Stops reporting lag: only the leader knows it.</summary>
    public void ClearLag() => Interlocked.Exchange(ref _lag, -1);

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        var lag = Interlocked.Read(ref _lag);
        return lag < 0 ? [] : [new Measurement<long>(lag)];
    }
}
