using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>Message text carrying its send timestamp, found in received bytes without parsing the JSON around it.</summary>
internal static class Payload
{
    private static readonly byte[] Marker = "t="u8.ToArray();

    /// <summary><c>t=&lt;16 hex digits&gt;;xxxx…</c>, exactly <paramref name="length"/> characters.</summary>
    public static string Create(int length)
    {
        var stamp = $"t={Stopwatch.GetTimestamp():x16};";
        return stamp.Length >= length ? stamp : stamp + new string('x', length - stamp.Length);
    }

    public static bool TryReadTimestamp(ReadOnlySpan<byte> frame, out long timestamp)
    {
        timestamp = 0;
        var at = frame.IndexOf(Marker);
        return at >= 0 && frame.Length >= at + 2 + 16
            && Utf8Parser.TryParse(frame.Slice(at + 2, 16), out timestamp, out var consumed, 'x') && consumed == 16;
    }

    /// <summary>Every timestamp in <paramref name="body"/> (a long-poll answer carries a batch of events).</summary>
    public static int RecordAll(ReadOnlySpan<byte> body, LatencyRecorder recorder, long now)
    {
        var found = 0;
        while (true)
        {
            var at = body.IndexOf(Marker);
            if (at < 0)
            {
                return found;
            }

            if (TryReadTimestamp(body[at..], out var sent))
            {
                recorder.Record(sent, now);
                found++;
            }

            body = body[(at + Marker.Length)..];
        }
    }
}
