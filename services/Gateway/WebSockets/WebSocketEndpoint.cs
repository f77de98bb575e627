using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Presence;
using ChatMesh.Chat.Security;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Gateway.Typing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>The <c>/ws</c> handshake: every refusal is an HTTP problem before the upgrade, never a silent drop.</summary>
internal static class WebSocketEndpoint
{
    public const string Path = "/ws";
    public const string SubProtocol = "chatmesh.v1";

    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> HandleAsync(
        HttpContext httpContext,
        IOptions<ChatWebSocketOptions> options,
        IChatService chat,
        ILiveEventHub hub,
        TypingRelay typing,
        TokenRefresher tokens,
        ConnectionRegistry registry,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<ChatConnection> logger,
        DeliveryMetrics metrics,
        LiveEventMetrics stages,
        FrameMetrics frames)
    {
        var settings = options.Value;
        if (!httpContext.WebSockets.IsWebSocketRequest)
        {
            return Problem(StatusCodes.Status400BadRequest, "websocket_required", "This endpoint only accepts WebSocket upgrades (subprotocol chatmesh.v1).");
        }

        if (!OriginPolicy.IsAllowed(httpContext.Request, settings))
        {
            return Problem(StatusCodes.Status403Forbidden, "origin_not_allowed", "Cross-site WebSocket connections are refused; connect from the ChatMesh origin.");
        }

        var requested = httpContext.WebSockets.WebSocketRequestedProtocols;
        if (requested.Count > 0 && !requested.Contains(SubProtocol))
        {
            return Problem(StatusCodes.Status400BadRequest, "unsupported_subprotocol", $"Offer the '{SubProtocol}' subprotocol.");
        }

        var user = httpContext.User.GetUserId();
        var connectionId = Guid.NewGuid().ToString("N");
        await using var lease = await registry.TryOpenAsync(user, connectionId, settings.MaxConnectionsPerUser, httpContext.RequestAborted);
        if (lease is null)
        {
            return Problem(StatusCodes.Status429TooManyRequests, "too_many_connections",
                $"This user already holds {settings.MaxConnectionsPerUser} connections; close one first.");
        }

        using var socket = await httpContext.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = requested.Count > 0 ? SubProtocol : null,
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout,
        });
        var context = new ConnectionContext(user, connectionId, TokenExpiry(httpContext.User), settings, chat, hub, typing, tokens, time,
            logger, metrics, stages, frames);
        var coalescing = httpContext.Features.Get<IHttpUpgradeFeature>() as CoalescingUpgrade;
        await using var connection = new ChatConnection(socket, coalescing?.Stream, context, httpContext.RequestAborted);
        // A sign-out elsewhere ends the socket with a close code the client can act on, not a bare abort (1006).
        RevokedTokens.OnRevoked(httpContext, () => connection.Close(CloseCodes.TokenRevoked, "token_revoked", drain: false));
        await connection.RunAsync(lifetime.ApplicationStopping);
        return TypedResults.Empty;
    }

    private static DateTimeOffset? TokenExpiry(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue("exp"), out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static ProblemHttpResult Problem(int status, string error, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["error"] = error });
}
