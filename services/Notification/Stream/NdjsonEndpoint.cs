using ChatMesh.Notification.Feeds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Stream;

/// <summary>
/// <c>GET /stream</c>: the same events as <c>/sse</c> as <c>application/x-ndjson</c>, one JSON object per line — each
/// event's stored wire JSON byte for byte (<see cref="NdjsonFormat"/>) — over a chunked response.
/// </summary>
internal static class NdjsonEndpoint
{
    public const string Path = "/stream";
    public const string ContentType = "application/x-ndjson";

    public static Task<Results<EmptyHttpResult, ProblemHttpResult>> HandleAsync(HttpContext httpContext, FeedContext feeds, NdjsonFormat format) =>
        FeedEndpoint.StreamAsync(httpContext, feeds, FeedChannels.Ndjson, ContentType, format);
}
