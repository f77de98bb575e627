using System.Globalization;
using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Polling;

/// <summary><c>GET /poll/queues/{id}/events</c>: long-polling (held until events or the timeout) and short-polling (<c>dont_block</c>).</summary>
internal static class PollEndpoints
{
    public static RouteGroupBuilder MapPollEndpoints(this RouteGroupBuilder poll)
    {
        poll.MapGet("/queues/{id}/events", Poll);
        return poll;
    }

    internal static async Task<Results<PollResult, ProblemHttpResult>> Poll(
        string id,
        string? lastEventId,
        string? timeout,
        [FromQuery(Name = "dont_block")] string? dontBlock,
        HttpContext http,
        ClaimsPrincipal user,
        EventQueueStore store,
        LongPoller poller,
        PollPresence presence,
        IHostApplicationLifetime lifetime,
        IOptions<LegacyOptions> options,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (PollQuery.TryParse(lastEventId, timeout, dontBlock, settings.MaxPollTimeout, out var query) is { } badQuery)
        {
            return badQuery;
        }

        if (!EventQueueStore.IsQueueId(id))
        {
            return QueueProblems.NotFound(id);
        }

        var userId = user.GetUserId();
        // One script: the log head, the queue checks, the held-poll lease (on every instance), the acknowledgement, the
        // user's rooms and whether anything is pending after the cursor.
        var lease = query.Hold is null ? null : EventQueueStore.NewLease();
        var lookup = await store.StartPollAsync(id, userId, query.Cursor, query.Hold ?? TimeSpan.Zero, lease);
        if (lookup.Queue is not { } queue)
        {
            return lookup.Refusal switch
            {
                EventQueueScripts.Expired => QueueProblems.Expired(id),
                EventQueueScripts.OtherUser => QueueProblems.OtherUser(),
                EventQueueScripts.FromFuture => PollProblems.BadRequest(PollErrors.CursorFromFuture,
                    $"'lastEventId' {query.Cursor} is after the newest event {lookup.Head}."),
                EventQueueScripts.BehindAck => CursorBehind(query.Cursor ?? 0, lookup.Acked),
                EventQueueScripts.TooManyHeld => PollProblems.TooMany(PollErrors.TooManyHeldPolls,
                    $"You already hold {settings.MaxHeldPollsPerUser} polls; one poll per queue is enough."),
                _ => QueueProblems.NotFound(id),
            };
        }

        // A queue being polled keeps its user online (cheap: at most one registry write per queue per third of the timeout).
        await presence.SeenAsync(userId, id, cancellationToken);
        if (lease is null)
        {
            if (await store.CountShortPollAsync(userId) is { } retryAfter)
            {
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                return PollProblems.TooMany(PollErrors.RateLimited,
                    $"More than {settings.ShortPollsPerMinute} dont_block polls in a minute; retry after {retryAfter} s, or long-poll instead.");
            }

            return new PollResult(await poller.PollAsync(queue, null, CancellationToken.None, cancellationToken));
        }

        try
        {
            return new PollResult(await poller.PollAsync(queue, query.Hold, lifetime.ApplicationStopping, cancellationToken));
        }
        finally
        {
            // Before the answer is written: the client's next poll, on any instance, finds the slot free.
            await store.ReleaseHoldAsync(userId, lease);
        }
    }

    private static ProblemHttpResult CursorBehind(long cursor, long acked) =>
        ChatProblemDetails.Create(StatusCodes.Status400BadRequest, PollErrors.CursorBehindAck,
            $"'lastEventId' {cursor} is before {acked}, which this queue already acknowledged. Poll with {acked} or later " +
            "(or omit lastEventId), or register a new queue.",
            new Dictionary<string, object?> { ["ackedEventId"] = acked });
}
