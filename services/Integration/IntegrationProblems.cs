using ChatMesh.Chat.Problems;
using ChatMesh.Integration.Ssrf;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Integration;

/// <summary>The problem details of the webhooks API (RFC 9457 with the <c>error</c> extension), built on <see cref="ChatProblems"/>.</summary>
internal static class IntegrationProblems
{
    public static ProblemHttpResult Refused(TargetRefusal refusal) =>
        ChatProblems.Create(StatusCodes.Status400BadRequest, refusal.Error, refusal.Detail);

    public static ProblemHttpResult EndpointNotFound() =>
        ChatProblems.Create(StatusCodes.Status404NotFound, IntegrationErrors.EndpointNotFound, "No such endpoint.");

    public static ProblemHttpResult MessageNotFound() =>
        ChatProblems.Create(StatusCodes.Status404NotFound, IntegrationErrors.MessageNotFound, "No delivery of this event to this endpoint is on record.");

    public static ProblemHttpResult HookNotFound() =>
        ChatProblems.Create(StatusCodes.Status404NotFound, IntegrationErrors.HookNotFound, "No such hook.");

    public static ProblemHttpResult LimitReached(string what, int max) =>
        ChatProblems.Create(StatusCodes.Status409Conflict, IntegrationErrors.LimitReached, $"At most {max} {what} per user.");
}
