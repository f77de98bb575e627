using System.Security.Claims;
using ChatMesh.Chat.Identity;
using ChatMesh.Integration.Attempts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Integration.Operations;

/// <summary><c>GET /api/webhooks/operational-events</c>: the caller's operational events across their endpoints, newest first.</summary>
internal static class OperationalEventRoutes
{
    public static RouteGroupBuilder MapOperationalEventRoutes(this RouteGroupBuilder webhooks)
    {
        webhooks.MapGet("/operational-events", List).WithTags("Operational events")
            .WithSummary("Messages that exhausted their retries and endpoints that were disabled, newest first.");
        return webhooks;
    }

    internal static async Task<Results<Ok<IReadOnlyList<OperationalEvent>>, ProblemHttpResult>> List(
        int? limit, ClaimsPrincipal user, OperationalEventLog log) =>
        AttemptRoutes.CheckLimit(limit, out var effective) is { } bad ? bad : TypedResults.Ok(await log.ListAsync(user.GetUserId(), effective));
}
