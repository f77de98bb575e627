using ChatMesh.Chat.EventLog;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Problems;

/// <summary>Builds the RFC 9457 bodies of every API error, each with the stable <c>error</c> extension clients switch on.</summary>
public static class ChatProblems
{
    /// <summary>The extension member that carries the code; the same name the identity code uses.</summary>
    public const string ErrorExtension = "error";

    public static ProblemHttpResult From(ChatException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = StatusFor(exception.Error);
        return Create(status, exception.Code, string.IsNullOrEmpty(exception.Message) ? null : exception.Message);
    }

    public static ProblemHttpResult InvalidRequest(string detail) =>
        Create(StatusCodes.Status400BadRequest, ApiErrors.InvalidRequest, detail);

    public static ProblemHttpResult InvalidArgument(string detail) =>
        Create(StatusCodes.Status400BadRequest, ApiErrors.InvalidArgument, detail);

    public static ProblemHttpResult PayloadTooLarge(long maxBytes) =>
        Create(StatusCodes.Status413PayloadTooLarge, ApiErrors.PayloadTooLarge, $"The request body is larger than {maxBytes} bytes.");

    public static ProblemHttpResult Create(int status, string error, string? detail) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: status,
            title: TitleFor(status),
            type: TypeFor(status),
            extensions: new Dictionary<string, object?> { [ErrorExtension] = error });

    public static int StatusFor(ChatError error) => error switch
    {
        ChatError.RoomNotFound or ChatError.MessageNotFound => StatusCodes.Status404NotFound,
        ChatError.NotMember or ChatError.Forbidden => StatusCodes.Status403Forbidden,
        ChatError.RoomExists => StatusCodes.Status409Conflict,
        // invalid_argument, text_too_long, cursor_from_future and any code added later: the caller sent something wrong.
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TitleFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Bad Request",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not Found",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "Content Too Large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported Media Type",
        _ => "Error",
    };

    /// <summary>The RFC 9110 section links ASP.NET Core uses for its own problem details.</summary>
    private static string TypeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        StatusCodes.Status403Forbidden => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        StatusCodes.Status404NotFound => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        StatusCodes.Status409Conflict => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        StatusCodes.Status415UnsupportedMediaType => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        _ => "about:blank",
    };
}
