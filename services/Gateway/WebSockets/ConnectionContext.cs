using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Gateway.Typing;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>What one connection knows about its user and the services it talks to.</summary>
internal sealed record ConnectionContext(
    string UserId,
    string ConnectionId,
    DateTimeOffset? TokenExpiresAt,
    ChatWebSocketOptions Options,
    IChatService Chat,
    ILiveEventHub Hub,
    TypingRelay Typing,
    TokenRefresher Tokens,
    TimeProvider Time,
    ILogger Logger,
    DeliveryMetrics Metrics,
    LiveEventMetrics? Stages = null,
    FrameMetrics? Frames = null);
