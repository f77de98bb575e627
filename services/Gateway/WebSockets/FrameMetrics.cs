using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The WebSocket frame's share of a message's way (stage <c>received</c> of docs/live-delivery.md): seconds from the
/// last byte of a client frame read to its commit's reply from Redis, when the ack is queued. One record per
/// committing frame (send, edit, delete, react, read, join, leave); refused frames are not recorded.
/// </summary>
internal sealed class FrameMetrics
{
    private static readonly double[] Buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

    private readonly Histogram<double> _untilCommit;

    public FrameMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Extensions.ChatMeshTelemetryName);
        _untilCommit = meter.CreateHistogram("chatmesh.websocket.until_commit", "s",
            "Time from a client frame read on the WebSocket to its commit's reply (the ack queued), per committing frame.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
    }

    /// <summary>The frame read at <paramref name="readAt"/> (a <see cref="Stopwatch"/> timestamp) is committed.</summary>
    public void Committed(long readAt)
    {
        if (_untilCommit.Enabled)
        {
            _untilCommit.Record(Stopwatch.GetElapsedTime(readAt).TotalSeconds);
        }
    }
}
