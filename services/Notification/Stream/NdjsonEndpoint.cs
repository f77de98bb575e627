using System.Buffers;
using System.IO.Pipelines;
using ChatMesh.Notification.Feeds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Stream;

/// <summary>
/// <c>GET /stream</c>: the same events as <c>/sse</c> as <c>application/x-ndjson</c>, one JSON object per line — each
/// event's stored wire JSON byte for byte — flushed line by line over a chunked response.
/// </summary>
internal static class NdjsonEndpoint
{
    public const string Path = "/stream";
    public const string ContentType = "application/x-ndjson";

    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> HandleAsync(HttpContext httpContext, FeedContext feeds)
    {
        var (session, problem) = await feeds.OpenAsync(httpContext, FeedChannels.Ndjson);
        if (session is null)
        {
            return problem!;
        }

        await using (session)
        {
            StreamResponse.Prepare(httpContext.Response, ContentType);
            var body = httpContext.Response.BodyWriter;
            var cancellationToken = httpContext.RequestAborted;
            try
            {
                await foreach (var item in session.ReadAllAsync(cancellationToken))
                {
                    ReadOnlyMemory<byte> line = item.IsControl && item.Type == FeedControl.Heartbeat
                        ? FeedControl.HeartbeatJson(feeds.Time.GetUtcNow())
                        : item.Json;
                    FlushResult flushed;
                    using (session.StartWrite(item))
                    {
                        body.Write(line.Span);
                        body.Write("\n"u8);
                        flushed = await body.FlushAsync(cancellationToken);
                    }

                    if (flushed.IsCanceled || flushed.IsCompleted)
                    {
                        break;
                    }

                    session.Written(item);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client went away.
            }
        }

        return TypedResults.Empty;
    }
}
