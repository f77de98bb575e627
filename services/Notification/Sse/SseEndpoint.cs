using System.Buffers;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Notification.Feeds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Sse;

/// <summary>
/// <c>GET /sse</c>: the user's events as <c>text/event-stream</c>, written by <see cref="SseFormatter"/> from
/// <see cref="SseItem{T}"/>s whose data is the stored wire JSON, copied as-is (never re-serialized).
/// </summary>
internal static class SseEndpoint
{
    public const string Path = "/sse";

    // SseFormatter writes events only; a comment keeps idle proxies from timing out without waking EventSource handlers.
    private static readonly byte[] HeartbeatComment = ": heartbeat\n\n"u8.ToArray();

    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> HandleAsync(HttpContext httpContext, FeedContext feeds)
    {
        var (session, problem) = await feeds.OpenAsync(httpContext, FeedChannels.Sse);
        if (session is null)
        {
            return problem!;
        }

        await using (session)
        {
            StreamResponse.Prepare(httpContext.Response, "text/event-stream");
            var retry = feeds.Options.Sse.RetryInterval;
            try
            {
                await SseFormatter.WriteAsync(Items(session, httpContext.Response.Body, retry, httpContext.RequestAborted),
                    httpContext.Response.Body, WriteData, httpContext.RequestAborted);
            }
            catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client went away.
            }
        }

        return TypedResults.Empty;
    }

    private static async IAsyncEnumerable<SseItem<ReadOnlyMemory<byte>>> Items(
        FeedSession session, System.IO.Stream body, TimeSpan retry, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in session.ReadAllAsync(cancellationToken))
        {
            if (item.IsControl && item.Type == FeedControl.Heartbeat)
            {
                // The formatter has written and flushed the previous event and waits for this one: the body is ours.
                await body.WriteAsync(HeartbeatComment, cancellationToken);
                await body.FlushAsync(cancellationToken);
                continue;
            }

            // The formatter writes and flushes an item before asking for the next: resuming here means it was written.
            using (session.StartWrite(item))
            {
                yield return ToSseItem(item, retry);
            }

            session.Written(item);
        }
    }

    private static SseItem<ReadOnlyMemory<byte>> ToSseItem(in FeedItem item, TimeSpan retry)
    {
        var sse = new SseItem<ReadOnlyMemory<byte>>(item.Json, item.Type);
        if (item.Id > 0)
        {
            return sse with { EventId = item.Id.ToString(CultureInfo.InvariantCulture) };
        }

        // The hint comes first so reconnecting clients wait as told, and last on shutdown so they reconnect elsewhere.
        return item.IsControl && item.Type is FeedControl.Hello or FeedControl.Shutdown
            ? sse with { ReconnectionInterval = retry }
            : sse;
    }

    private static void WriteData(SseItem<ReadOnlyMemory<byte>> item, IBufferWriter<byte> writer) => writer.Write(item.Data.Span);
}
