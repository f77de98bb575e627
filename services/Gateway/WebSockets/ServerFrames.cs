using System.Buffers;
using System.Text.Json;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Builds the server's control frames (hello, ack, error, subscribed, reset, pong, typing). Events are not built
/// here: their stored wire JSON is sent as-is. Each frame is written by a per-thread reusable writer (as SignalR's
/// hub protocol does), so the only allocation is the frame's own bytes, which the connection's queue keeps.
/// </summary>
internal static class ServerFrames
{
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText RefName = JsonEncodedText.Encode("ref");
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText HeadName = JsonEncodedText.Encode("head");
    private static readonly JsonEncodedText TokenExpiresAtName = JsonEncodedText.Encode("tokenExpiresAt");
    private static readonly JsonEncodedText AckType = JsonEncodedText.Encode("ack");
    private static readonly JsonEncodedText DuplicateName = JsonEncodedText.Encode("duplicate");
    private static readonly JsonEncodedText ErrorType = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText PongType = JsonEncodedText.Encode("pong");

    public static byte[] Hello(string user, string connectionId, long head, ChatWebSocketOptions options, DateTimeOffset? tokenExpiresAt)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, "hello");
        writer.WriteString("user", user);
        writer.WriteString("connectionId", connectionId);
        writer.WriteString("instance", GatewayInstance.Id);
        writer.WriteNumber(HeadName, head);
        if (tokenExpiresAt is { } expiresAt)
        {
            writer.WriteString(TokenExpiresAtName, expiresAt);
        }

        writer.WriteStartObject("limits");
        writer.WriteNumber("maxFrameBytes", options.MaxFrameBytes);
        writer.WriteNumber("framesPerSecond", options.FramesPerSecond);
        writer.WriteNumber("frameBurst", options.FrameBurst);
        writer.WriteNumber("pingIntervalMs", (long)options.KeepAliveInterval.TotalMilliseconds);
        writer.WriteNumber("pingTimeoutMs", (long)options.KeepAliveTimeout.TotalMilliseconds);
        writer.WriteEndObject();
        return FrameWriter.Finish();
    }

    public static byte[] Ack(string? reference, long id, bool duplicate)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, AckType);
        WriteRef(writer, reference);
        writer.WriteNumber(IdName, id);
        writer.WriteBoolean(DuplicateName, duplicate);
        return FrameWriter.Finish();
    }

    public static byte[] Authenticated(string? reference, DateTimeOffset? tokenExpiresAt)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, "authenticated");
        WriteRef(writer, reference);
        if (tokenExpiresAt is { } expiresAt)
        {
            writer.WriteString(TokenExpiresAtName, expiresAt);
        }

        return FrameWriter.Finish();
    }

    /// <param name="retryAfter">For <c>slow_mode</c> and <c>store_unavailable</c>: written as <c>retryAfterMs</c>, the wait before a retry.</param>
    public static byte[] Error(string? reference, string code, string message, TimeSpan? retryAfter = null)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, ErrorType);
        WriteRef(writer, reference);
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        if (retryAfter is { } wait)
        {
            writer.WriteNumber("retryAfterMs", (long)Math.Ceiling(wait.TotalMilliseconds));
        }

        return FrameWriter.Finish();
    }

    public static byte[] Subscribed(string? reference, long head, long replayed)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, "subscribed");
        WriteRef(writer, reference);
        writer.WriteNumber(HeadName, head);
        writer.WriteNumber("replayed", replayed);
        return FrameWriter.Finish();
    }

    public static byte[] Reset(string? reference, long head)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, "reset");
        WriteRef(writer, reference);
        writer.WriteNumber(HeadName, head);
        writer.WriteString("reason", "beyond_retention");
        return FrameWriter.Finish();
    }

    public static byte[] Pong(string? reference)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, PongType);
        WriteRef(writer, reference);
        return FrameWriter.Finish();
    }

    /// <summary>The ephemeral typing signal relayed to the room's members (no id: never logged).</summary>
    public static byte[] Typing(string room, string user)
    {
        var writer = FrameWriter.Start();
        writer.WriteString(TypeName, "typing");
        writer.WriteString("room", room);
        writer.WriteString("user", user);
        return FrameWriter.Finish();
    }

    private static void WriteRef(Utf8JsonWriter writer, string? reference)
    {
        if (reference is not null)
        {
            writer.WriteString(RefName, reference);
        }
    }

    /// <summary>
    /// One <see cref="Utf8JsonWriter"/> and buffer per thread, reset for every frame. Frames are built synchronously
    /// (no await between <see cref="Start"/> and <see cref="Finish"/>), so a thread never builds two at once.
    /// </summary>
    private sealed class FrameWriter
    {
        // A frame larger than this (a long error message) does not keep its buffer for the thread's next frame.
        private const int KeptBufferBytes = 4096;

        [ThreadStatic]
        private static FrameWriter? t_current;

        private readonly ArrayBufferWriter<byte> _buffer = new(256);
        private readonly Utf8JsonWriter _json;

        private FrameWriter() => _json = new Utf8JsonWriter(_buffer);

        public static Utf8JsonWriter Start()
        {
            var current = t_current ??= new FrameWriter();
            current._buffer.ResetWrittenCount();
            current._json.Reset(current._buffer);
            current._json.WriteStartObject();
            return current._json;
        }

        public static byte[] Finish()
        {
            var current = t_current!;
            current._json.WriteEndObject();
            current._json.Flush();
            var frame = current._buffer.WrittenSpan.ToArray();
            if (current._buffer.Capacity > KeptBufferBytes)
            {
                t_current = null;
            }

            return frame;
        }
    }
}
