using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Legacy.Hosting;

/// <summary>The problem details of <c>/poll</c> refusals, built on the shared <see cref="ChatProblemDetails"/>.</summary>
internal static class PollProblems
{
    public static ProblemHttpResult BadRequest(string error, string detail) =>
        ChatProblemDetails.Create(StatusCodes.Status400BadRequest, error, detail);

    public static ProblemHttpResult InvalidRequest(string detail) => BadRequest(PollErrors.InvalidRequest, detail);

    public static ProblemHttpResult InvalidArgument(string detail) => BadRequest(PollErrors.InvalidArgument, detail);

    public static ProblemHttpResult TooMany(string error, string detail) =>
        ChatProblemDetails.Create(StatusCodes.Status429TooManyRequests, error, detail);

    public static ProblemHttpResult PayloadTooLarge(long maxBytes) =>
        ChatProblemDetails.Create(StatusCodes.Status413PayloadTooLarge, PollErrors.PayloadTooLarge, $"The request body is larger than {maxBytes} bytes.");

    public static ProblemHttpResult UnsupportedMediaType() =>
        ChatProblemDetails.Create(StatusCodes.Status415UnsupportedMediaType, PollErrors.UnsupportedMediaType,
            "Send the body as application/json or application/x-www-form-urlencoded.");
}
