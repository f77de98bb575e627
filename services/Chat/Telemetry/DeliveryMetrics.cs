using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.Telemetry;

/// <summary>
/// The delivery instruments on the <c>ChatMesh</c> meter, one set for every channel (tag <c>chatmesh.channel</c>, see
/// <see cref="DeliveryChannels"/>): open connections, events delivered, commit-to-write latency, slow-consumer
/// disconnects and webhook attempts. Tags are bounded: a channel or an outcome, never a user, room or endpoint.
/// Documented in docs/observability.md.
/// </summary>
public sealed class DeliveryMetrics
{
    /// <summary>Latency buckets in seconds: fine below 100 ms (the budget), coarse up to a minute (long-poll, retries).</summary>
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>The channels, in the order of their delivered-count slots.</summary>
    private static readonly string[] Channels =
        [DeliveryChannels.WebSocket, DeliveryChannels.Sse, DeliveryChannels.Ndjson, DeliveryChannels.LongPoll, DeliveryChannels.Webhook];

    // Longs per slot: each channel's count on its own 64-byte cache line, since every writer loop increments it.
    private const int SlotStride = 8;

    private readonly TimeProvider _time;
    private readonly UpDownCounter<long> _connections;
    private readonly long[] _delivered = new long[Channels.Length * SlotStride];
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _webhookAttempts;

    public DeliveryMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _connections = meter.CreateUpDownCounter<long>("chatmesh.connections.active", "{connection}",
            "Open client connections on this instance, by channel (a held poll counts as a long-poll connection).");
        // Counted per write with one interlocked add, read by the exporter once per collection: no per-write tag lookup.
        meter.CreateObservableCounter("chatmesh.events.delivered", ObserveDelivered, "{event}",
            "Logged events written to clients (or accepted by webhook receivers), by channel.");
        _latency = meter.CreateHistogram("chatmesh.delivery.latency", "s",
            "Time from an event's commit to its write to the client (or a webhook receiver's 2xx), by channel.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _slowConsumers = meter.CreateCounter<long>("chatmesh.slow_consumer.disconnects", "{connection}",
            "Connections cut off because the client read too slowly, by channel.");
        _webhookAttempts = meter.CreateCounter<long>("chatmesh.webhooks.attempts", "{attempt}",
            "Webhook delivery attempts, by outcome (success or the attempt's error code).");
    }

    public void Connected(string channel) => _connections.Add(1, Tag(channel));

    public void Disconnected(string channel) => _connections.Add(-1, Tag(channel));

    public void SlowConsumer(string channel) => _slowConsumers.Add(1, Tag(channel));

    /// <summary>
    /// One logged event written to one client. With <paramref name="measureLatency"/> (live deliveries, not the replay
    /// of a resume, whose age is the client's absence) the time since the event's commit is recorded too.
    /// </summary>
    public void Delivered(string channel, long eventId, ReadOnlySpan<byte> json, bool measureLatency)
    {
        Interlocked.Increment(ref _delivered[Slot(channel)]);
        if (measureLatency && _latency.Enabled && CommitTimestamps.Of(eventId, json) is { } committed)
        {
            var seconds = (_time.GetUtcNow() - committed).TotalSeconds;
            // The commit time comes from another machine's clock: never report a negative latency.
            _latency.Record(Math.Max(seconds, 0), Tag(channel));
        }
    }

    /// <summary>The events delivered so far on each channel that delivered any (cumulative, as a counter reports).</summary>
    private List<Measurement<long>> ObserveDelivered()
    {
        var measurements = new List<Measurement<long>>(Channels.Length);
        for (var i = 0; i < Channels.Length; i++)
        {
            var count = Volatile.Read(ref _delivered[i * SlotStride]);
            if (count > 0)
            {
                measurements.Add(new Measurement<long>(count, Tag(Channels[i])));
            }
        }
        return measurements;
    }

    private static int Slot(string channel) => SlotStride * channel switch
    {
        DeliveryChannels.WebSocket => 0,
        DeliveryChannels.Sse => 1,
        DeliveryChannels.Ndjson => 2,
        DeliveryChannels.LongPoll => 3,
        DeliveryChannels.Webhook => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Not one of DeliveryChannels."),
    };

    /// <summary>One webhook attempt; <paramref name="outcome"/> is <c>success</c> or a documented attempt error code.</summary>
    public void WebhookAttempt(string outcome) => _webhookAttempts.Add(1, new KeyValuePair<string, object?>("chatmesh.webhook.outcome", outcome));

    private static KeyValuePair<string, object?> Tag(string channel) => new(DeliveryChannels.TagName, channel);
}
