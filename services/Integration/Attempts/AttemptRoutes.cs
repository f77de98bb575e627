using System.Security.Claims;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using ChatMesh.Integration.Delivery;
using ChatMesh.Integration.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Integration.Attempts;

/// <summary>Answer to a replay: how many messages were scheduled again.</summary>
public sealed record ReplayResponse(int Scheduled);

/// <summary>The attempt log and replays of one endpoint: <c>/api/webhooks/endpoints/{id}/…</c>.</summary>
internal static class AttemptRoutes
{
    public const int MaxLimit = 1000;
    public const int DefaultLimit = 100;

    public static RouteGroupBuilder MapAttemptRoutes(this RouteGroupBuilder webhooks)
    {
        var endpoint = webhooks.MapGroup("/endpoints/{id}").WithTags("Attempts");
        endpoint.MapGet("/attempts", ForEndpoint).WithSummary("The endpoint's attempts, newest first.");
        endpoint.MapGet("/messages/{eventId:long}/attempts", ForMessage).WithSummary("The attempts to deliver one event, newest first.");
        endpoint.MapPost("/messages/{eventId:long}/replay", ReplayOne).WithSummary("Delivers one event again, from the first attempt.");
        endpoint.MapPost("/replay", ReplayFailed).WithSummary("Delivers again every message that failed at or after 'since'.");
        return webhooks;
    }

    internal static async Task<Results<Ok<IReadOnlyList<AttemptRecord>>, ProblemHttpResult>> ForEndpoint(
        string id, int? limit, ClaimsPrincipal user, EndpointStore store, AttemptLog log)
    {
        if (CheckLimit(limit, out var effective) is { } bad)
        {
            return bad;
        }

        return await store.GetOwnedAsync(user.GetUserId(), id) is null
            ? IntegrationProblems.EndpointNotFound()
            : TypedResults.Ok(await log.ForEndpointAsync(id, effective));
    }

    internal static async Task<Results<Ok<IReadOnlyList<AttemptRecord>>, ProblemHttpResult>> ForMessage(
        string id, long eventId, int? limit, ClaimsPrincipal user, EndpointStore store, AttemptLog log)
    {
        if (CheckLimit(limit, out var effective) is { } bad)
        {
            return bad;
        }

        return await store.GetOwnedAsync(user.GetUserId(), id) is null
            ? IntegrationProblems.EndpointNotFound()
            : TypedResults.Ok(await log.ForMessageAsync(id, eventId, effective));
    }

    internal static async Task<Results<Accepted<ReplayResponse>, ProblemHttpResult>> ReplayOne(
        string id, long eventId, ClaimsPrincipal user, EndpointStore store, DeliveryQueue queue, DeliverySignal signal)
    {
        if (await store.GetOwnedAsync(user.GetUserId(), id) is null)
        {
            return IntegrationProblems.EndpointNotFound();
        }

        switch (await queue.ReplayAsync(id, eventId))
        {
            case 0:
                return IntegrationProblems.MessageNotFound();
            case 2:
                return ChatProblems.Create(StatusCodes.Status409Conflict, IntegrationErrors.ReplayInProgress, "An attempt is in flight; replay once it ends.");
            default:
                signal.Wake();
                return TypedResults.Accepted((string?)null, new ReplayResponse(1));
        }
    }

    internal static async Task<Results<Accepted<ReplayResponse>, ProblemHttpResult>> ReplayFailed(
        string id, DateTimeOffset? since, ClaimsPrincipal user, EndpointStore store, DeliveryQueue queue, DeliverySignal signal)
    {
        if (since is null)
        {
            return ChatProblems.InvalidRequest("'since' (an ISO 8601 time) is required.");
        }

        if (await store.GetOwnedAsync(user.GetUserId(), id) is null)
        {
            return IntegrationProblems.EndpointNotFound();
        }

        var count = await queue.ReplayFailedAsync(id, since.Value);
        signal.Wake();
        return TypedResults.Accepted((string?)null, new ReplayResponse(count));
    }

    internal static ProblemHttpResult? CheckLimit(int? limit, out int effective)
    {
        effective = limit ?? DefaultLimit;
        return effective is < 1 or > MaxLimit ? ChatProblems.InvalidArgument($"'limit' must be 1 to {MaxLimit}.") : null;
    }
}
