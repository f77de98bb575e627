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

    /// <summary>
    /// Not async itself: a held poll's request then keeps one state machine fewer for its whole hold (the held path is
    /// <see cref="HoldAsync"/>'s alone).
    /// </summary>
    internal static Task<Results<PollResult, ProblemHttpResult>> Poll(
        string id,
        string? lastEventId,
        string? timeout,
        [FromQuery(Name = "dont_block")] string? dontBlock,
        HttpContext http,
        ClaimsPrincipal user,
        EventQueueStore store,
        LongPoller poller,
        PollPresence presence,
        LocalQueues queues,
        IHostApplicationLifetime lifetime,
        IOptions<LegacyOptions> options,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // PollRequestBoundary's part, done here: this route has no endpoint filters (LegacyExtensions.MapLegacyPolling).
        if (PollRequestBoundary.Admit(http, settings.MaxRequestBodyBytes) is { } tooLarge)
        {
            return Task.FromResult<Results<PollResult, ProblemHttpResult>>(tooLarge);
        }

        if (PollQuery.TryParse(lastEventId, timeout, dontBlock, settings.MaxPollTimeout, out var query) is { } badQuery)
        {
            return Task.FromResult<Results<PollResult, ProblemHttpResult>>(badQuery);
        }

        if (!EventQueueStore.IsQueueId(id))
        {
            return Task.FromResult<Results<PollResult, ProblemHttpResult>>(QueueProblems.NotFound(id));
        }

        var userId = user.GetUserId();
        return query.Hold is { } hold
            ? HoldAsync(id, userId, query.Cursor, hold, http, store, queues, poller, presence, lifetime, settings, cancellationToken)
            : ShortPollAsync(id, userId, query.Cursor, http, store, poller, presence, queues, settings, cancellationToken);
    }

    /// <summary>
    /// A short poll: one script (the log head, the queue checks, the acknowledgement, whether anything is pending). It
    /// moves the queue past what this instance knows of it.
    /// </summary>
    private static async Task<Results<PollResult, ProblemHttpResult>> ShortPollAsync(
        string id, string userId, long? cursor, HttpContext http, EventQueueStore store, LongPoller poller, PollPresence presence,
        LocalQueues queues, LegacyOptions settings, CancellationToken cancellationToken)
    {
        // ChatExceptionFilter's part, done here: this route has no endpoint filters.
        try
        {
            queues.MarkStale(id);
            var lookup = await store.StartPollAsync(id, userId, cursor, TimeSpan.Zero);
            if (lookup.Queue is not { } queue)
            {
                return Refusal(id, cursor, lookup, settings);
            }

            // A queue being polled keeps its user online (cheap: a registry write only when the last one runs out soon).
            await presence.SeenAsync(userId, id, TimeSpan.Zero, cancellationToken);
            if (await store.CountShortPollAsync(userId) is { } retryAfter)
            {
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                return PollProblems.TooMany(PollErrors.RateLimited,
                    $"More than {settings.ShortPollsPerMinute} dont_block polls in a minute; retry after {retryAfter} s, or long-poll instead.");
            }

            return new PollResult(await poller.PollAsync(queue, null, CancellationToken.None, cancellationToken));
        }
        catch (ChatException exception)
        {
            return ChatExceptionFilter.Answer(http, exception);
        }
    }

    /// <summary>
    /// A held poll. One that continues exactly where this instance's last answer left the queue starts from what the
    /// instance kept (<see cref="LocalQueues"/>) with no Redis round trip; any other starts with one script: the log head,
    /// the queue checks, the held-poll lease (counted on every instance), the acknowledgement, the user's rooms and whether
    /// anything is pending after the cursor.
    /// </summary>
    private static async Task<Results<PollResult, ProblemHttpResult>> HoldAsync(
        string id, string userId, long? cursor, TimeSpan hold, HttpContext http, EventQueueStore store, LocalQueues queues,
        LongPoller poller, PollPresence presence, IHostApplicationLifetime lifetime, LegacyOptions settings,
        CancellationToken cancellationToken)
    {
        // ChatExceptionFilter's part, done here: this route has no endpoint filters.
        try
        {
            bool registered;
            EventQueue queue;
            var local = queues.TryResume(id, userId, cursor, hold, out var written);
            if (local is not null)
            {
                // Its lease (counted against the cap) and acknowledgement, written in a batch with other polls'.
                try
                {
                    await written;
                }
                catch
                {
                    _ = queues.Ended(local, answered: null);
                    throw;
                }

                if (!local.HoldsLease)
                {
                    // At the cap (or the write failed): the queue script decides, and answers 429 if the cap still holds.
                    await queues.Ended(local, answered: null);
                    local = null;
                }
            }

            if (local is not null)
            {
                registered = true;
                // Should the kept subscription not have heard everything after the cursor, the poll reads the log (Pending).
                queue = local.Queue with { Cursor = cursor!.Value, Head = cursor.Value, Pending = true, Rooms = null };
            }
            else
            {
                if (cursor is { } at && queues.LocalAck(id) is { } acked && at < acked)
                {
                    // Acknowledged here, perhaps not yet in Redis: refused as the script would once it is.
                    return CursorBehind(at, acked);
                }

                local = queues.TryClaim(id, userId);
                var lease = EventQueueStore.NewLease();
                var lookup = await store.StartPollAsync(id, userId, cursor, hold, lease);
                if (lookup.Queue is not { } started)
                {
                    if (local is not null)
                    {
                        await queues.Ended(local, answered: null);
                    }

                    return Refusal(id, cursor, lookup, settings);
                }

                queue = started;
                registered = local is not null;
                local ??= queues.Add(queue, out registered);
                local.Started(queue.Cursor, lease, lookup.LeaseUntil, lookup.ExpiresAt);
            }

            // Online until the presence timeout after this hold ends (a registry write only when the last one runs out soon).
            await presence.SeenAsync(userId, id, hold, cancellationToken);
            PollBatch batch;
            try
            {
                batch = await poller.PollAsync(queue, local, hold, lifetime.ApplicationStopping, cancellationToken);
            }
            catch
            {
                if (registered)
                {
                    _ = queues.Ended(local, answered: null);
                }

                throw;
            }
            finally
            {
                if (!registered)
                {
                    // A poll alone on its queue: its lease goes back before the answer is written, so the client's next
                    // poll, on any instance, finds the slot free.
                    local.Dispose();
                    await store.ReleaseHoldAsync(userId, lease: local.Lease!);
                }
            }

            if (registered)
            {
                // Kept for the client's next poll (Legacy:RepollWindow); the lease goes back, in a batch, before the answer
                // is written, so the client's next poll, on any instance, finds the slot free.
                await queues.Ended(local, batch.LastEventId);
            }

            return new PollResult(batch);
        }
        catch (ChatException exception)
        {
            return ChatExceptionFilter.Answer(http, exception);
        }
    }

    private static ProblemHttpResult Refusal(string id, long? cursor, QueueLookup lookup, LegacyOptions settings) =>
        lookup.Refusal switch
        {
            EventQueueScripts.Expired => QueueProblems.Expired(id),
            EventQueueScripts.OtherUser => QueueProblems.OtherUser(),
            EventQueueScripts.FromFuture => PollProblems.BadRequest(PollErrors.CursorFromFuture,
                $"'lastEventId' {cursor} is after the newest event {lookup.Head}."),
            EventQueueScripts.BehindAck => CursorBehind(cursor ?? 0, lookup.Acked),
            EventQueueScripts.TooManyHeld => PollProblems.TooMany(PollErrors.TooManyHeldPolls,
                $"You already hold {settings.MaxHeldPollsPerUser} polls; one poll per queue is enough."),
            _ => QueueProblems.NotFound(id),
        };

    private static ProblemHttpResult CursorBehind(long cursor, long acked) =>
        ChatProblemDetails.Create(StatusCodes.Status400BadRequest, PollErrors.CursorBehindAck,
            $"'lastEventId' {cursor} is before {acked}, which this queue already acknowledged. Poll with {acked} or later " +
            "(or omit lastEventId), or register a new queue.",
            new Dictionary<string, object?> { ["ackedEventId"] = acked });
}
