using ChatMesh.Chat.EventLog;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// RFC 9457 bodies with the stable <c>error</c> extension, and the mapping of a refused command (<see cref="ChatException"/>)
/// to its HTTP status — shared by every HTTP surface that writes through the chat domain (REST API, long-poll sends).
/// </summary>
public static class ChatProblemDetails
{
    /// <summary>The extension member that carries the code; the same name the identity code uses.</summary>
    public const string ErrorExtension = "error";

    /// <summary>The extension member of a <c>slow_mode</c> refusal: milliseconds until the next message is accepted.</summary>
    public const string RetryAfterExtension = "retryAfterMs";

    public static ProblemHttpResult From(ChatException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var extensions = exception.RetryAfter is { } wait
            ? new Dictionary<string, object?> { [RetryAfterExtension] = (long)Math.Ceiling(wait.TotalMilliseconds) }
            : null;
        return Create(StatusFor(exception.Error), exception.Code, string.IsNullOrEmpty(exception.Message) ? null : exception.Message, extensions);
    }

    public static ProblemHttpResult Create(int status, string error, string? detail, IDictionary<string, object?>? extensions = null)
    {
        var members = new Dictionary<string, object?> { [ErrorExtension] = error };
        if (extensions is not null)
        {
            foreach (var (name, value) in extensions)
            {
                members[name] = value;
            }
        }

        return TypedResults.Problem(detail: detail, statusCode: status, title: TitleFor(status), type: TypeFor(status), extensions: members);
    }

    public static int StatusFor(ChatError error) => error switch
    {
        ChatError.RoomNotFound or ChatError.MessageNotFound or ChatError.AttachmentNotFound => StatusCodes.Status404NotFound,
        ChatError.NotMember or ChatError.Forbidden or ChatError.NotModerator or ChatError.NotOwner or ChatError.Outranked
            or ChatError.Banned or ChatError.RoomReadOnly => StatusCodes.Status403Forbidden,
        ChatError.SlowMode => StatusCodes.Status429TooManyRequests,
        ChatError.RoomExists => StatusCodes.Status409Conflict,
        // invalid_argument, text_too_long, cursor_from_future and any code added later: the caller sent something wrong.
        _ => StatusCodes.Status400BadRequest,
    };

    public static string TitleFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Bad Request",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not Found",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "Content Too Large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported Media Type",
        StatusCodes.Status429TooManyRequests => "Too Many Requests",
        _ => "Error",
    };

    /// <summary>The RFC 9110 / 6585 section links ASP.NET Core uses for its own problem details.</summary>
    public static string TypeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        StatusCodes.Status403Forbidden => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        StatusCodes.Status404NotFound => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        StatusCodes.Status409Conflict => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        StatusCodes.Status415UnsupportedMediaType => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
        _ => "about:blank",
    };
}
