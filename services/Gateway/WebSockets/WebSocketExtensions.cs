using ChatMesh.Gateway.Typing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>Composition of the <c>/ws</c> channel.</summary>
internal static class WebSocketExtensions
{
    public static WebApplicationBuilder AddChatWebSockets(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatWebSocketOptions>()
            .Bind(builder.Configuration.GetSection(ChatWebSocketOptions.SectionName))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatWebSocketOptions>, ChatWebSocketOptionsValidator>());
        builder.Services.TryAddSingleton<TokenRefresher>();
        builder.Services.TryAddSingleton<FrameMetrics>();
        builder.Services.TryAddSingleton<TypingRelay>();
        return builder;
    }

    /// <summary>
    /// Lets each connection's writer coalesce queued frames into one transport write (<see cref="CoalescingUpgrade"/>);
    /// call it just before <c>UseWebSockets</c>.
    /// </summary>
    public static IApplicationBuilder UseChatWebSocketWrites(this IApplicationBuilder app) => CoalescingUpgrade.UseFor(app);

    public static IEndpointRouteBuilder MapChatWebSockets(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map(WebSocketEndpoint.Path, WebSocketEndpoint.HandleAsync)
            .RequireAuthorization()
            .WithName("WebSocket")
            .WithSummary("The chatmesh.v1 WebSocket (see docs/protocol.md).");
        return endpoints;
    }
}
