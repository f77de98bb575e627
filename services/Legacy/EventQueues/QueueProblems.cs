using ChatMesh.Chat.Problems;
using ChatMesh.Legacy.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Legacy.EventQueues;

/// <summary>Refusals about a queue id.</summary>
internal static class QueueProblems
{
    public static ProblemHttpResult NotFound(string id) =>
        ChatProblemDetails.Create(StatusCodes.Status404NotFound, PollErrors.QueueNotFound,
            $"No event queue '{id}'. Register a new one with POST /poll/queues.");

    public static ProblemHttpResult Expired(string id) =>
        PollProblems.BadRequest(PollErrors.QueueExpired,
            $"Event queue '{id}' expired after going unpolled. Register a new one with POST /poll/queues (with includeState to resynchronise).");

    public static ProblemHttpResult OtherUser() =>
        ChatProblemDetails.Create(StatusCodes.Status403Forbidden, PollErrors.Forbidden, "This event queue belongs to another user.");
}
