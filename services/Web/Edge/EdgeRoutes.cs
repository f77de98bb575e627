using Yarp.ReverseProxy.Configuration;

namespace ChatMesh.Web.Edge;

/// <summary>
/// The public routes of the single origin and the service behind each. Longest prefix wins by order:
/// YARP matches more specific paths first when <see cref="RouteConfig.Order"/> says so.
/// </summary>
internal static class EdgeRoutes
{
    /// <summary>(path pattern, Aspire resource) pairs; the resource name is resolved by service discovery.</summary>
    public static readonly (string Path, string Service, int Order)[] Table =
    [
        ("/ws/{**rest}", "gateway", 0),
        ("/ws", "gateway", 0),
        ("/api/notifications/{**rest}", "notification", 0),
        ("/api/webhooks/{**rest}", "integration", 0),
        ("/api/{**rest}", "gateway", 10),
        ("/api/notifications", "notification", 0),
        ("/sse/{**rest}", "notification", 0),
        ("/sse", "notification", 0),
        ("/stream/{**rest}", "notification", 0),
        ("/stream", "notification", 0),
        ("/poll/{**rest}", "legacy", 0),
        ("/hooks/{**rest}", "integration", 0),
        ("/api/rooms/{room}/attachments", "gateway", 0),
        (Chat.Attachments.AttachmentHttp.DownloadPrefix + "/{**rest}", "gateway", 0),
    ];

    /// <summary>
    /// The upload route's body is limited by the gateway alone (<c>Gateway:Attachments:MaxFileBytes</c>, 413 problem), not by
    /// the edge's default 30 MB: -1 lifts the edge's own limit for this route only.
    /// </summary>
    public const string UploadPath = "/api/rooms/{room}/attachments";

    public static IReadOnlyList<RouteConfig> Routes() =>
        [.. Table.Select((route, index) => new RouteConfig
        {
            RouteId = $"route-{index}-{route.Service}",
            ClusterId = route.Service,
            Order = route.Order,
            Match = new RouteMatch { Path = route.Path },
            MaxRequestBodySize = route.Path == UploadPath ? -1 : null,
        })];

    public static IReadOnlyList<ClusterConfig> Clusters() =>
        [.. Table.Select(route => route.Service).Distinct().Select(service => new ClusterConfig
        {
            ClusterId = service,
            Destinations = new Dictionary<string, DestinationConfig>
            {
                // "http://gateway" is resolved to the live endpoints (every replica) by Aspire service discovery.
                [service] = new() { Address = $"http://{service}" },
            },
        })];
}
