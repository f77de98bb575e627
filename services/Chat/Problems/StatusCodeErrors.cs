using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// Gives problem details that ASP.NET Core writes itself (status code pages for bodiless 404/405/415 and the like) the
/// same <c>error</c> extension as ours, so a client can always switch on <c>error</c>. An existing code is kept.
/// </summary>
public static class StatusCodeErrors
{
    public static void Customize(ProblemDetailsContext context)
    {
        var extensions = context.ProblemDetails.Extensions;
        if (!extensions.ContainsKey(ChatProblems.ErrorExtension) && CodeFor(context.ProblemDetails.Status) is { } code)
        {
            extensions[ChatProblems.ErrorExtension] = code;
        }
    }

    public static string? CodeFor(int? status) => status switch
    {
        StatusCodes.Status400BadRequest => ApiErrors.InvalidRequest,
        StatusCodes.Status404NotFound => ApiErrors.NotFound,
        StatusCodes.Status405MethodNotAllowed => ApiErrors.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ApiErrors.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ApiErrors.UnsupportedMediaType,
        StatusCodes.Status500InternalServerError => ApiErrors.Internal,
        _ => null,
    };
}
