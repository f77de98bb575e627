using System.Buffers;
using System.Buffers.Text;
using System.Text;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Notification.Feeds;
using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Sse;

/// <summary>
/// The <c>text/event-stream</c> frame of an item, byte for byte what <c>System.Net.ServerSentEvents.SseFormatter</c>
/// writes: <c>event: type</c>, one <c>data: </c> line per line of the JSON, <c>id: </c> (logged events),
/// <c>retry: </c> (hello and shutdown), a blank line; a heartbeat is the comment <c>: heartbeat</c>.
/// </summary>
internal sealed class SseFormat(IOptions<NotificationOptions> options) : FeedFormat
{
    // SseFormatter writes events only; a comment keeps idle proxies from timing out without waking EventSource handlers.
    private static readonly byte[] HeartbeatComment = ": heartbeat\n\n"u8.ToArray();

    private readonly long _retryMs = (long)options.Value.Sse.RetryInterval.TotalMilliseconds;

    /// <summary>The <c>retry:</c> hint in milliseconds.</summary>
    internal long RetryMs => _retryMs;

    protected override int WriteFrame(IBufferWriter<byte> writer, in FeedItem item)
    {
        if (item.IsControl && item.Type == FeedControl.Heartbeat)
        {
            writer.Write(HeartbeatComment);
            return HeartbeatComment.Length;
        }

        var length = Field(writer, "event: "u8, item.Type);
        length += Data(writer, item.Json.Span);
        if (item.Id > 0)
        {
            length += Number(writer, "id: "u8, item.Id);
        }
        else if (item.IsControl && item.Type is FeedControl.Hello or FeedControl.Shutdown)
        {
            // The hint comes first so reconnecting clients wait as told, and last on shutdown so they reconnect elsewhere.
            length += Number(writer, "retry: "u8, _retryMs);
        }

        writer.Write("\n"u8);
        return length + 1;
    }

    private static int Field(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, string value)
    {
        var span = writer.GetSpan(name.Length + Encoding.UTF8.GetMaxByteCount(value.Length) + 1);
        name.CopyTo(span);
        var length = name.Length + Encoding.UTF8.GetBytes(value, span[name.Length..]);
        span[length++] = (byte)'\n';
        writer.Advance(length);
        return length;
    }

    private static int Number(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, long value)
    {
        var span = writer.GetSpan(name.Length + 21);
        name.CopyTo(span);
        Utf8Formatter.TryFormat(value, span[name.Length..], out var digits);
        var length = name.Length + digits;
        span[length++] = (byte)'\n';
        writer.Advance(length);
        return length;
    }

    /// <summary>One <c>data:</c> line per line (the stored JSON is one line; anything else is split, never broken).</summary>
    private static int Data(IBufferWriter<byte> writer, ReadOnlySpan<byte> data)
    {
        var length = 0;
        while (true)
        {
            var end = data.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? data : data[..end];
            writer.Write("data: "u8);
            writer.Write(line);
            writer.Write("\n"u8);
            length += 7 + line.Length;
            if (end < 0)
            {
                return length;
            }

            // CRLF is one line break.
            data = data[(end + (data[end] == '\r' && end + 1 < data.Length && data[end + 1] == '\n' ? 2 : 1))..];
        }
    }
}
