using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Feeds;

/// <summary>What <c>/sse</c> and <c>/stream</c> share: open the session (or refuse), then run its writer in the given format.</summary>
internal static class FeedEndpoint
{
    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> StreamAsync(
        HttpContext httpContext, FeedContext feeds, string channel, string contentType, FeedFormat format)
    {
        var (session, problem) = await feeds.OpenAsync(httpContext, channel);
        if (session is null)
        {
            return problem!;
        }

        await using (session)
        {
            StreamResponse.Prepare(httpContext.Response, contentType);
            await FeedWriter.RunAsync(session, httpContext.Response.BodyWriter, format, feeds.Options.MaxFlushBytes, httpContext.RequestAborted);
        }

        return TypedResults.Empty;
    }
}
