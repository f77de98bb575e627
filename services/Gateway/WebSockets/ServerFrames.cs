using System.Buffers;
using System.Text.Json;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Builds the server's control frames (hello, ack, error, subscribed, reset, pong, typing). Events are not built
/// here: their stored wire JSON is sent as-is.
/// </summary>
internal static class ServerFrames
{
    public static byte[] Hello(string user, string connectionId, long head, ChatWebSocketOptions options, DateTimeOffset? tokenExpiresAt) =>
        Write(writer =>
        {
            writer.WriteString("type", "hello");
            writer.WriteString("user", user);
            writer.WriteString("connectionId", connectionId);
            writer.WriteString("instance", GatewayInstance.Id);
            writer.WriteNumber("head", head);
            if (tokenExpiresAt is { } expiresAt)
            {
                writer.WriteString("tokenExpiresAt", expiresAt);
            }

            writer.WriteStartObject("limits");
            writer.WriteNumber("maxFrameBytes", options.MaxFrameBytes);
            writer.WriteNumber("framesPerSecond", options.FramesPerSecond);
            writer.WriteNumber("frameBurst", options.FrameBurst);
            writer.WriteNumber("pingIntervalMs", (long)options.KeepAliveInterval.TotalMilliseconds);
            writer.WriteNumber("pingTimeoutMs", (long)options.KeepAliveTimeout.TotalMilliseconds);
            writer.WriteEndObject();
        });

    public static byte[] Ack(string? reference, long id, bool duplicate) =>
        Write(writer =>
        {
            writer.WriteString("type", "ack");
            WriteRef(writer, reference);
            writer.WriteNumber("id", id);
            writer.WriteBoolean("duplicate", duplicate);
        });

    public static byte[] Authenticated(string? reference, DateTimeOffset? tokenExpiresAt) =>
        Write(writer =>
        {
            writer.WriteString("type", "authenticated");
            WriteRef(writer, reference);
            if (tokenExpiresAt is { } expiresAt)
            {
                writer.WriteString("tokenExpiresAt", expiresAt);
            }
        });

    public static byte[] Error(string? reference, string code, string message) =>
        Write(writer =>
        {
            writer.WriteString("type", "error");
            WriteRef(writer, reference);
            writer.WriteString("code", code);
            writer.WriteString("message", message);
        });

    public static byte[] Subscribed(string? reference, long head, long replayed) =>
        Write(writer =>
        {
            writer.WriteString("type", "subscribed");
            WriteRef(writer, reference);
            writer.WriteNumber("head", head);
            writer.WriteNumber("replayed", replayed);
        });

    public static byte[] Reset(string? reference, long head) =>
        Write(writer =>
        {
            writer.WriteString("type", "reset");
            WriteRef(writer, reference);
            writer.WriteNumber("head", head);
            writer.WriteString("reason", "beyond_retention");
        });

    public static byte[] Pong(string? reference) =>
        Write(writer =>
        {
            writer.WriteString("type", "pong");
            WriteRef(writer, reference);
        });

    /// <summary>The ephemeral typing signal relayed to the room's members (no id: never logged).</summary>
    public static byte[] Typing(string room, string user) =>
        Write(writer =>
        {
            writer.WriteString("type", "typing");
            writer.WriteString("room", room);
            writer.WriteString("user", user);
        });

    private static void WriteRef(Utf8JsonWriter writer, string? reference)
    {
        if (reference is not null)
        {
            writer.WriteString("ref", reference);
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
