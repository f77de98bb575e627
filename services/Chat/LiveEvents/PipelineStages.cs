using System.Diagnostics.Metrics;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// Where a logged event is in the ordered pipeline before its fan-out: the time since its commit (its JSON's <c>ts</c>)
/// when the outbox leader read it, when the broker confirmed its publish, when this instance consumed it and when this
/// instance finished handing it to its local subscribers. One histogram per side (<c>chatmesh.outbox.since_commit</c>,
/// <c>chatmesh.live.since_commit</c>), tagged <c>chatmesh.stage</c>; one record per event and stage (never per
/// recipient), with pre-bound tags. Millisecond precision (that of <c>ts</c>); clocks of other machines may skew it.
/// </summary>
internal sealed class PipelineStages(Meter meter, string name, string description)
{
    private static readonly double[] Buckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

    private readonly Histogram<double> _sinceCommit = meter.CreateHistogram(name, "s", description,
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });

    /// <summary>The tag of one stage, bound once.</summary>
    public static KeyValuePair<string, object?> Stage(string stage) => new("chatmesh.stage", stage);

    /// <summary>True when someone listens (an exporter or a counters tool); recording costs nothing otherwise.</summary>
    public bool Enabled => _sinceCommit.Enabled;

    /// <summary>Records a stage of an event whose commit time is already known.</summary>
    public void Record(DateTimeOffset committed, in KeyValuePair<string, object?> stage, DateTimeOffset now) =>
        _sinceCommit.Record(Math.Max((now - committed).TotalSeconds, 0), stage);

    public void Record(ChatEventPublished published, in KeyValuePair<string, object?> stage, DateTimeOffset now)
    {
        if (_sinceCommit.Enabled && CommitTimestamps.Of(published.Id, published.Json) is { } committed)
        {
            _sinceCommit.Record(Math.Max((now - committed).TotalSeconds, 0), stage);
        }
    }

    public void Record(IEnumerable<ChatEventPublished> events, in KeyValuePair<string, object?> stage, DateTimeOffset now)
    {
        if (!_sinceCommit.Enabled)
        {
            return;
        }

        foreach (var published in events)
        {
            Record(published, stage, now);
        }
    }
}
