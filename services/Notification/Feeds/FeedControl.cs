using System.Buffers;
using System.Text.Json;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// The streams' own items. Events are never built here: their stored wire JSON is written as-is. On SSE the item's
/// type is the <c>event:</c> field, so the data omits it; on NDJSON every line is self-describing and carries it.
/// </summary>
internal static class FeedControl
{
    public const string Hello = "hello";
    public const string Subscribed = "subscribed";
    public const string Reset = "reset";
    public const string Error = "error";
    public const string Heartbeat = "heartbeat";
    public const string Shutdown = "shutdown";

    public const string SlowConsumer = "slow_consumer";

    public static byte[] HelloJson(bool typed, string user, string connectionId, long head, NotificationOptions options) =>
        Write(typed, Hello, writer =>
        {
            writer.WriteString("user", user);
            writer.WriteString("connectionId", connectionId);
            writer.WriteNumber("head", head);
            writer.WriteNumber("heartbeatMs", (long)options.Sse.HeartbeatInterval.TotalMilliseconds);
            writer.WriteNumber("retryMs", (long)options.Sse.RetryInterval.TotalMilliseconds);
        });

    public static byte[] SubscribedJson(bool typed, long head, long replayed) =>
        Write(typed, Subscribed, writer =>
        {
            writer.WriteNumber("head", head);
            writer.WriteNumber("replayed", replayed);
        });

    public static byte[] ResetJson(bool typed, long head) =>
        Write(typed, Reset, writer =>
        {
            writer.WriteNumber("head", head);
            writer.WriteString("reason", "beyond_retention");
        });

    public static byte[] ErrorJson(bool typed, string code, string message) =>
        Write(typed, Error, writer =>
        {
            writer.WriteString("code", code);
            writer.WriteString("message", message);
        });

    public static byte[] ShutdownJson(bool typed) =>
        Write(typed, Shutdown, writer => writer.WriteString("reason", "server_shutdown"));

    public static byte[] HeartbeatJson(DateTimeOffset now) =>
        Write(typed: true, Heartbeat, writer => writer.WriteString("ts", now));

    private static byte[] Write(bool typed, string type, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (typed)
            {
                writer.WriteString("type", type);
            }

            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
