using System.Net.WebSockets;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>WebSocket close codes the gateway uses (documented in docs/protocol.md).</summary>
internal static class CloseCodes
{
    /// <summary>1001: the instance is shutting down; reconnect (any instance) and resume.</summary>
    public const WebSocketCloseStatus GoingAway = WebSocketCloseStatus.EndpointUnavailable;

    /// <summary>1008: sustained abuse of the rate limit.</summary>
    public const WebSocketCloseStatus PolicyViolation = WebSocketCloseStatus.PolicyViolation;

    /// <summary>1009: a client message exceeded MaxFrameBytes.</summary>
    public const WebSocketCloseStatus MessageTooBig = WebSocketCloseStatus.MessageTooBig;

    /// <summary>1011: an unexpected server error; reconnect and resume.</summary>
    public const WebSocketCloseStatus InternalError = WebSocketCloseStatus.InternalServerError;

    /// <summary>
    /// 1013 (Try Again Later): the chat store (Redis) could not serve a catch-up from the log for a moment (a restart or
    /// a failover, <see cref="Chat.Problems.StoreFailures.IsTransient"/>); reconnect after a second and resume.
    /// </summary>
    public const WebSocketCloseStatus StoreUnavailable = (WebSocketCloseStatus)1013;

    /// <summary>4000: the client read too slowly and its outbound queue filled; reconnect and resume.</summary>
    public const WebSocketCloseStatus SlowConsumer = (WebSocketCloseStatus)4000;

    /// <summary>4001: the access token expired and was not refreshed with an <c>auth</c> frame.</summary>
    public const WebSocketCloseStatus TokenExpired = (WebSocketCloseStatus)4001;

    /// <summary>4002: the token the connection opened with was revoked (signed out); a reconnect with it is refused.</summary>
    public const WebSocketCloseStatus TokenRevoked = (WebSocketCloseStatus)4002;
}
