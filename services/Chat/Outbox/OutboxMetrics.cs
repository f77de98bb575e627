using System.Diagnostics.Metrics;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.Outbox;

/// <summary>The outbox publisher's instruments on the ChatMesh meter.</summary>
internal sealed class OutboxMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _messages;
    private static readonly KeyValuePair<string, object?> Read = PipelineStages.Stage("read");
    private static readonly KeyValuePair<string, object?> Confirmed = PipelineStages.Stage("confirmed");
    private static readonly KeyValuePair<string, object?> DurableConfirmed = PipelineStages.Stage("durable_confirmed");
    private readonly PipelineStages _stages;
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
        _stages = new PipelineStages(meter, "chatmesh.outbox.since_commit",
            "Time from a logged event's commit to the leader reading it from the outbox (stage read) and to the broker confirming its live copy (stage confirmed) and its durable copy (stage durable_confirmed).");
    }

    public void EventsRead(List<ChatEventPublished> batch, DateTimeOffset now) => _stages.Record(batch, Read, now);

    /// <summary>The broker confirmed a chunk's live copy (<paramref name="live"/>) or its durable copy.</summary>
    public void EventsConfirmed(ChatEventPublished[] chunk, bool live, DateTimeOffset now) => _stages.Record(chunk, live ? Confirmed : DurableConfirmed, now);

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
