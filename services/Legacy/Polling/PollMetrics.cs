using System.Diagnostics.Metrics;
using ChatMesh.Chat.Telemetry;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// Long-poll accounting: held polls, delivered events and their commit-to-answer latency go to the shared
/// <see cref="DeliveryMetrics"/> (channel <c>longpoll</c>); the answer kinds are the poll's own instrument.
/// </summary>
public sealed class PollMetrics
{
    private readonly DeliveryMetrics _delivery;
    private readonly Counter<long> _answers;

    public PollMetrics(IMeterFactory meterFactory, DeliveryMetrics delivery)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(delivery);
        _delivery = delivery;
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _answers = meter.CreateCounter<long>("chatmesh.poll.answers", "{answer}", "Poll answers, by kind (events, heartbeat, empty) and source (live, replay).");
    }

    /// <summary>A held poll is the long-poll channel's open connection.</summary>
    public void HoldStarted() => _delivery.Connected(DeliveryChannels.LongPoll);

    public void HoldEnded() => _delivery.Disconnected(DeliveryChannels.LongPoll);

    public void Answered(PollBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var kind = batch.Events.Count > 0 ? "events" : batch.Heartbeat ? "heartbeat" : "empty";
        // source: whether a held poll answered from the live events it heard or from the log (docs/protocol.md).
        _answers.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("source", batch.Source == PollSource.Live ? "live" : "replay"));
        foreach (var stored in batch.Events)
        {
            // Latency runs from the commit to the answer, including the wait for the client's next poll.
            _delivery.Delivered(DeliveryChannels.LongPoll, stored.Id, stored.Json.Span, measureLatency: true);
        }
    }
}
