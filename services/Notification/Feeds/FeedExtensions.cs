using ChatMesh.Notification.Notifications;
using ChatMesh.Notification.Sse;
using ChatMesh.Notification.Stream;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Feeds;

/// <summary>Composition of the notification service's channels: <c>/sse</c>, <c>/stream</c> and the notification center.</summary>
internal static class FeedExtensions
{
    public static WebApplicationBuilder AddNotificationFeeds(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>()
            .Bind(builder.Configuration.GetSection(NotificationOptions.SectionName))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<IOptions<NotificationOptions>>((socket, notification) => socket.UnsafePreferInlineScheduling = notification.Value.InlineSocketScheduling);
        builder.Services.TryAddSingleton<FeedContext>();
        builder.Services.TryAddSingleton<HeartbeatTicker>();
        builder.Services.TryAddSingleton<SseFormat>();
        builder.Services.TryAddSingleton<NdjsonFormat>();
        builder.Services.TryAddSingleton<NotificationStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapNotificationFeeds(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(SseEndpoint.Path, SseEndpoint.HandleAsync)
            .RequireAuthorization()
            .WithName("ServerSentEvents")
            .WithSummary("The user's events as Server-Sent Events (see docs/protocol.md).");
        endpoints.MapGet(NdjsonEndpoint.Path, NdjsonEndpoint.HandleAsync)
            .RequireAuthorization()
            .WithName("NdjsonStream")
            .WithSummary("The user's events as newline-delimited JSON (see docs/protocol.md).");
        endpoints.MapNotificationCenter();
        return endpoints;
    }
}
