using ChatMesh.Chat.EventLog;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Feeds;

/// <summary>RFC 9457 bodies of every refusal, with the <c>error</c> extension clients switch on.</summary>
internal static class FeedProblems
{
    public const string InvalidArgument = "invalid_argument";
    public const string TooManyConnections = "too_many_connections";

    public static ProblemHttpResult Create(int status, string error, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["error"] = error });

    public static ProblemHttpResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, InvalidArgument, detail);

    public static ProblemHttpResult From(ChatException exception) => Create(
        exception.Error switch
        {
            ChatError.NotMember or ChatError.Forbidden => StatusCodes.Status403Forbidden,
            ChatError.RoomNotFound or ChatError.MessageNotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status400BadRequest,
        },
        exception.Code,
        exception.Message);
}
