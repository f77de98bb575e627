using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Legacy.Polling;

/// <summary>Long-poll instruments on the ChatMesh meter (channel <c>long-poll</c>).</summary>
public sealed class PollMetrics
{
    private static readonly KeyValuePair<string, object?> Channel = new("chatmesh.channel", "long-poll");
    private readonly UpDownCounter<long> _held;
    private readonly Counter<long> _answers;
    private readonly Counter<long> _delivered;

    public PollMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _held = meter.CreateUpDownCounter<long>("chatmesh.poll.held", "{poll}", "Polls held on this instance, waiting for events.");
        _answers = meter.CreateCounter<long>("chatmesh.poll.answers", "{answer}", "Poll answers, by kind (events, heartbeat, empty) and source (live, replay).");
        _delivered = meter.CreateCounter<long>("chatmesh.events.delivered", "{event}", "Events delivered to clients, by channel.");
    }

    public void HoldStarted() => _held.Add(1);

    public void HoldEnded() => _held.Add(-1);

    public void Answered(PollBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var kind = batch.Events.Count > 0 ? "events" : batch.Heartbeat ? "heartbeat" : "empty";
        // source: whether a held poll answered from the live events it heard or from the log (docs/protocol.md).
        _answers.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("source", batch.Source == PollSource.Live ? "live" : "replay"));
        if (batch.Events.Count > 0)
        {
            _delivered.Add(batch.Events.Count, Channel);
        }
    }
}
