using ChatMesh.Notification.Feeds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Sse;

/// <summary>
/// <c>GET /sse</c>: the user's events as <c>text/event-stream</c>; each event's frame (<see cref="SseFormat"/>, its
/// data the stored wire JSON as-is) is built once per instance and the same bytes are written to every stream.
/// </summary>
internal static class SseEndpoint
{
    public const string Path = "/sse";

    public static Task<Results<EmptyHttpResult, ProblemHttpResult>> HandleAsync(HttpContext httpContext, FeedContext feeds, SseFormat format) =>
        FeedEndpoint.StreamAsync(httpContext, feeds, FeedChannels.Sse, "text/event-stream", format);
}
