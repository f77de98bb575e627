using System.Collections.Concurrent;

namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>One exported log record: its severity number (9 = info, 13 = warn), body, attributes and trace context.</summary>
public sealed record CollectedLog(OtlpResource Resource, int Severity, string Body, string TraceId, string SpanId, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>When it was logged (time_unix_nano), to line a service's logs up with a client's timeline.</summary>
    public DateTimeOffset Time { get; init; }
}

public sealed partial class OtlpCollector
{
    private readonly ConcurrentQueue<CollectedLog> _logs = new();

    public IReadOnlyList<CollectedLog> Logs => [.. _logs];

    /// <summary>LogRecord(time_unix_nano = 1, severity_number = 2, body = 5, attributes = 6, trace_id = 9, span_id = 10).</summary>
    private void CollectLogs(OtlpResource resource, byte[] record)
    {
        var severity = 0;
        ulong nanoseconds = 0;
        string body = "", traceId = "", spanId = "";
        Dictionary<string, string> attributes = [];
        var reader = new ProtobufReader(record);
        while (reader.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 1): nanoseconds = reader.ReadFixed64(); break;
                case (2, 0): severity = (int)reader.ReadVarint(); break;
                case (5, 2): body = ReadAnyValue(reader.ReadBytes()) ?? ""; break;
                case (6, 2): AddKeyValue(reader.ReadBytes(), attributes); break;
                case (9, 2): traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case (10, 2): spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                default: reader.Skip(wire); break;
            }
        }

        _logs.Enqueue(new CollectedLog(resource, severity, body, traceId, spanId, attributes)
        {
            Time = DateTimeOffset.UnixEpoch.AddTicks((long)(nanoseconds / 100)),
        });
    }
}
