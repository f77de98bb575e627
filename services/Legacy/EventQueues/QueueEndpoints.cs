using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Polling;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.EventQueues;

/// <summary><c>POST /poll/queues</c> and <c>DELETE /poll/queues/{id}</c>.</summary>
internal static class QueueEndpoints
{
    public static RouteGroupBuilder MapQueueEndpoints(this RouteGroupBuilder poll)
    {
        poll.MapPost("/queues", Register);
        poll.MapDelete("/queues/{id}", Delete);
        return poll;
    }

    internal static async Task<Results<Ok<RegisterQueueResponse>, ProblemHttpResult>> Register(
        HttpContext http, ClaimsPrincipal user, IChatService chat, EventQueueStore store, PollPresence presence,
        IOptions<LegacyOptions> options, CancellationToken cancellationToken)
    {
        var request = RequestBodies.KindOf(http.Request) switch
        {
            BodyKind.None => new RegisterQueueRequest(null, null, null),
            BodyKind.Json => await RequestBodies.ReadJsonAsync<RegisterQueueRequest>(http) ?? new RegisterQueueRequest(null, null, null),
            _ => null,
        };
        if (request is null)
        {
            return PollProblems.UnsupportedMediaType();
        }

        if (QueueRegistration.TryFilter(request, options.Value, out var filter) is { } badFilter)
        {
            return badFilter;
        }

        var userId = user.GetUserId();
        var (head, state) = await QueueRegistration.SnapshotAsync(chat, userId, request.IncludeState == true, cancellationToken);
        if (await store.RegisterAsync(userId, filter, head) is not { } queueId)
        {
            return PollProblems.TooMany(PollErrors.TooManyQueues,
                $"You already hold {options.Value.MaxQueuesPerUser} event queues; delete one (DELETE /poll/queues/{{id}}) or let one expire.");
        }

        await presence.SeenAsync(userId, queueId, TimeSpan.Zero, cancellationToken);
        return TypedResults.Ok(new RegisterQueueResponse(queueId, head, state));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, EventQueueStore store, PollPresence presence, LocalQueues queues)
    {
        if (!EventQueueStore.IsQueueId(id))
        {
            return QueueProblems.NotFound(id);
        }

        var userId = user.GetUserId();
        switch (await store.DeleteAsync(id, userId))
        {
            case EventQueueScripts.NotFound:
                return QueueProblems.NotFound(id);
            case EventQueueScripts.OtherUser:
                return QueueProblems.OtherUser();
            default:
                // The other instances learn it from the script; this one from here.
                queues.MarkStale(id);
                await presence.GoneAsync(userId, id);
                return TypedResults.NoContent();
        }
    }
}
