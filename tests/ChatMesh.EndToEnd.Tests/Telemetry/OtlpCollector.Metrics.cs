using System.Collections.Concurrent;
using System.Text;

namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>
/// One exported data point of a <c>chatmesh.*</c> metric: a sum or gauge's <see cref="Value"/>, or a histogram's
/// <see cref="Count"/> and <see cref="Value"/> (its sum). Points are cumulative per series (instance, name, attributes).
/// </summary>
public sealed record CollectedMetricPoint(
    OtlpResource Resource, string Name, string Unit, string Kind, IReadOnlyDictionary<string, string> Attributes, double Value, ulong Count, ulong Time);

public sealed partial class OtlpCollector
{
    private readonly ConcurrentQueue<CollectedMetricPoint> _metricPoints = new();

    public IReadOnlyList<CollectedMetricPoint> MetricPoints => [.. _metricPoints];

    /// <summary>
    /// The newest point of every series of <paramref name="name"/> whose attribute <paramref name="attribute"/> is <paramref name="value"/>,
    /// summed over the services' instances: for a counter its total, for a histogram its count.
    /// </summary>
    public double Total(string name, string attribute, string value)
    {
        var latest = MetricPoints
            .Where(point => point.Name == name && point.Attributes.GetValueOrDefault(attribute) == value)
            .GroupBy(point => point.Resource.Service + "|" + point.Resource.Instance + "|" + string.Join(",", point.Attributes.OrderBy(a => a.Key)))
            .Select(series => series.MaxBy(point => point.Time)!);
        return latest.Sum(point => point.Kind == "histogram" ? point.Count : point.Value);
    }

    /// <summary>Metric(name = 1, unit = 3, gauge = 5, sum = 7, histogram = 9); each holds data_points = 1.</summary>
    private void CollectMetrics(OtlpResource resource, byte[] metric)
    {
        string name = "", unit = "";
        List<(string Kind, byte[] Points)> data = [];
        var reader = new ProtobufReader(metric);
        while (reader.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): name = Encoding.UTF8.GetString(reader.ReadBytes()); break;
                case (3, 2): unit = Encoding.UTF8.GetString(reader.ReadBytes()); break;
                case (5, 2): data.Add(("gauge", reader.ReadBytes().ToArray())); break;
                case (7, 2): data.Add(("sum", reader.ReadBytes().ToArray())); break;
                case (9, 2): data.Add(("histogram", reader.ReadBytes().ToArray())); break;
                default: reader.Skip(wire); break;
            }
        }

        if (!name.StartsWith("chatmesh.", StringComparison.Ordinal))
        {
            return;
        }

        foreach (var (kind, points) in data)
        {
            var pointsReader = new ProtobufReader(points);
            while (pointsReader.TryReadField(out var field, out var wire))
            {
                if (field == 1 && wire == 2)
                {
                    var point = kind == "histogram" ? ReadHistogramPoint(pointsReader.ReadBytes()) : ReadNumberPoint(pointsReader.ReadBytes());
                    _metricPoints.Enqueue(new CollectedMetricPoint(resource, name, unit, kind, point.Attributes, point.Value, point.Count, point.Time));
                }
                else
                {
                    pointsReader.Skip(wire);
                }
            }
        }
    }

    /// <summary>NumberDataPoint(attributes = 7, time = 3, as_double = 4, as_int = 6).</summary>
    private static (Dictionary<string, string> Attributes, double Value, ulong Count, ulong Time) ReadNumberPoint(ReadOnlySpan<byte> point)
    {
        Dictionary<string, string> attributes = [];
        double value = 0;
        ulong time = 0;
        var reader = new ProtobufReader(point);
        while (reader.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (7, 2): AddKeyValue(reader.ReadBytes(), attributes); break;
                case (3, 1): time = reader.ReadFixed64(); break;
                case (4, 1): value = reader.ReadDouble(); break;
                case (6, 1): value = (long)reader.ReadFixed64(); break;
                default: reader.Skip(wire); break;
            }
        }

        return (attributes, value, 0, time);
    }

    /// <summary>HistogramDataPoint(attributes = 9, time = 3, count = 4, sum = 5).</summary>
    private static (Dictionary<string, string> Attributes, double Value, ulong Count, ulong Time) ReadHistogramPoint(ReadOnlySpan<byte> point)
    {
        Dictionary<string, string> attributes = [];
        double sum = 0;
        ulong count = 0, time = 0;
        var reader = new ProtobufReader(point);
        while (reader.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (9, 2): AddKeyValue(reader.ReadBytes(), attributes); break;
                case (3, 1): time = reader.ReadFixed64(); break;
                case (4, 1): count = reader.ReadFixed64(); break;
                case (5, 1): sum = reader.ReadDouble(); break;
                default: reader.Skip(wire); break;
            }
        }

        return (attributes, sum, count, time);
    }
}
