namespace ChatMesh.Chat.Telemetry;

/// <summary>The values of the <c>chatmesh.channel</c> tag: one per way an event reaches a client (a bounded set).</summary>
public static class DeliveryChannels
{
    public const string TagName = "chatmesh.channel";

    public const string WebSocket = "websocket";
    public const string Sse = "sse";
    public const string Ndjson = "ndjson";
    public const string LongPoll = "longpoll";
    public const string Webhook = "webhook";
}
