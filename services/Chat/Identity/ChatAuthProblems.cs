using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Identity;

/// <summary>Writes the RFC 9457 problem details bodies of auth failures.</summary>
internal static class ChatAuthProblems
{
    /// <summary>The name of the problem-details extension that carries a <see cref="ChatAuthErrors"/> code.</summary>
    public const string ErrorExtension = "error";

    public static Task Write(HttpContext httpContext, int status, string title, string detail, string error) =>
        TypedResults.Problem(
                detail: detail,
                statusCode: status,
                title: title,
                type: TypeFor(status),
                extensions: new Dictionary<string, object?> { [ErrorExtension] = error })
            .ExecuteAsync(httpContext);

    /// <summary>The same RFC 9110 section links ASP.NET Core uses for its own problem details.</summary>
    public static string TypeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        StatusCodes.Status401Unauthorized => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        StatusCodes.Status403Forbidden => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        _ => "about:blank",
    };
}
