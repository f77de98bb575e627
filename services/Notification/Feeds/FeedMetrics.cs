using System.Diagnostics.Metrics;

namespace ChatMesh.Notification.Feeds;

/// <summary>Stream instruments on the ChatMesh meter, tagged by channel (<c>sse</c> or <c>ndjson</c>).</summary>
internal sealed class FeedMetrics
{
    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _slowConsumers;

    public FeedMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Microsoft.Extensions.Hosting.Extensions.ChatMeshTelemetryName);
        _open = meter.CreateUpDownCounter<long>("chatmesh.streams.open", "{stream}", "Open SSE and NDJSON streams.");
        _delivered = meter.CreateCounter<long>("chatmesh.streams.delivered", "{event}", "Logged events written to streams.");
        _slowConsumers = meter.CreateCounter<long>("chatmesh.streams.slow_consumers", "{stream}", "Streams ended because the client read too slowly.");
    }

    public void Opened(string channel) => _open.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void Closed(string channel) => _open.Add(-1, new KeyValuePair<string, object?>("channel", channel));

    public void Delivered(string channel) => _delivered.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void SlowConsumer(string channel) => _slowConsumers.Add(1, new KeyValuePair<string, object?>("channel", channel));
}
