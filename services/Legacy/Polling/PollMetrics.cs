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
    // The answer kinds and sources, in the order of their count slots (kind-major).
    private static readonly string[] Kinds = ["events", "heartbeat", "empty"];
    private static readonly string[] Sources = ["live", "replay"];

    // Longs per slot: each count on its own 64-byte cache line, since every answered poll increments one.
    private const int SlotStride = 8;

    private readonly DeliveryMetrics _delivery;
    private readonly long[] _answers = new long[Kinds.Length * Sources.Length * SlotStride];

    public PollMetrics(IMeterFactory meterFactory, DeliveryMetrics delivery)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(delivery);
        _delivery = delivery;
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        // Counted per answer with one interlocked add, read by the exporter once per collection: no per-poll tag lookup.
        meter.CreateObservableCounter("chatmesh.poll.answers", ObserveAnswers, "{answer}",
            "Poll answers, by kind (events, heartbeat, empty) and source (live, replay).");
    }

    /// <summary>A held poll is the long-poll channel's open connection.</summary>
    public void HoldStarted() => _delivery.Connected(DeliveryChannels.LongPoll);

    public void HoldEnded() => _delivery.Disconnected(DeliveryChannels.LongPoll);

    public void Answered(PollBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var kind = batch.Events.Count > 0 ? 0 : batch.Heartbeat ? 1 : 2;
        // source: whether a held poll answered from the live events it heard or from the log (docs/protocol.md).
        var source = batch.Source == PollSource.Live ? 0 : 1;
        Interlocked.Increment(ref _answers[((kind * Sources.Length) + source) * SlotStride]);
        foreach (var stored in batch.Events)
        {
            // Latency runs from the commit to the answer, including the wait for the client's next poll.
            _delivery.Delivered(DeliveryChannels.LongPoll, stored.Id, stored.Json.Span, measureLatency: true);
        }
    }

    /// <summary>The answers so far of each kind and source that occurred (cumulative, as a counter reports).</summary>
    private List<Measurement<long>> ObserveAnswers()
    {
        var measurements = new List<Measurement<long>>(Kinds.Length * Sources.Length);
        for (var kind = 0; kind < Kinds.Length; kind++)
        {
            for (var source = 0; source < Sources.Length; source++)
            {
                var count = Volatile.Read(ref _answers[((kind * Sources.Length) + source) * SlotStride]);
                if (count > 0)
                {
                    measurements.Add(new Measurement<long>(count,
                        new KeyValuePair<string, object?>("kind", Kinds[kind]), new KeyValuePair<string, object?>("source", Sources[source])));
                }
            }
        }

        return measurements;
    }
}
