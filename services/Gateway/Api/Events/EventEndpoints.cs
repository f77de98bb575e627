using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using ChatMesh.Gateway.Api.ProblemMapping;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Api.Events;

/// <summary><c>GET /api/events</c>: the catch-up read for clients on REST, SSE or polling.</summary>
internal static class EventEndpoints
{
    public static RouteGroupBuilder MapEventEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/events", Replay).WithTags("Events")
            .WithSummary("Every event the caller missed after 'after' (rooms and personal feed, in id order). " +
                "'reset' means part is beyond retention: reload history. 'more' means ask again after the last id.");
        return api;
    }

    internal static async Task<Results<ReplayResult, ProblemHttpResult>> Replay(
        long? after, int? limit, ClaimsPrincipal user, IChatService chat, IOptions<ChatApiOptions> options, CancellationToken cancellationToken)
    {
        if (QueryChecks.Page(options.Value, limit, out var pageLimit) is { } badLimit)
        {
            return badLimit;
        }

        if (after is < 0)
        {
            return ChatProblems.InvalidArgument("'after' must not be negative.");
        }

        return new ReplayResult(await chat.ReplayAsync(user.GetUserId(), after ?? 0, pageLimit, cancellationToken));
    }
}
