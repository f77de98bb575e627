using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// Builds the RFC 9457 bodies of every API error, each with the stable <c>error</c> extension clients switch on. The
/// domain mapping itself is shared with the other HTTP services (<see cref="ChatProblemDetails"/>).
/// </summary>
public static class ChatProblems
{
    /// <summary>The extension member that carries the code; the same name the identity code uses.</summary>
    public const string ErrorExtension = ChatProblemDetails.ErrorExtension;

    public static ProblemHttpResult From(ChatException exception) => ChatProblemDetails.From(exception);

    public static ProblemHttpResult InvalidRequest(string detail) =>
        Create(StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest, detail);

    public static ProblemHttpResult InvalidArgument(string detail) =>
        Create(StatusCodes.Status400BadRequest, ApiErrors.InvalidArgument, detail);

    public static ProblemHttpResult PayloadTooLarge(long maxBytes) =>
        Create(StatusCodes.Status413PayloadTooLarge, ApiErrors.PayloadTooLarge, $"The request body is larger than {maxBytes} bytes.");

    public static ProblemHttpResult Create(int status, string error, string? detail) => ChatProblemDetails.Create(status, error, detail);

    public static int StatusFor(ChatError error) => ChatProblemDetails.StatusFor(error);
}
