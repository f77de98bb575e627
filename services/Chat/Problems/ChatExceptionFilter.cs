using ChatMesh.Chat.EventLog;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Problems;

/// <summary>Turns a refused command (<see cref="ChatException"/>) into its problem details; nothing was written.</summary>
public sealed class ChatExceptionFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (ChatException exception)
        {
            return Answer(context.HttpContext, exception);
        }
    }

    /// <summary>
    /// The answer to a refused command: its problem details, and <c>Retry-After</c> when it says when to retry. For a route
    /// that catches <see cref="ChatException"/> itself instead of going through this filter (legacy's poll).
    /// </summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Answer(HttpContext http, ChatException exception)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.RetryAfter is { } wait)
        {
            // Whole seconds, rounded up, as HTTP requires; retryAfterMs in the body is exact.
            http.Response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return ChatProblemDetails.From(exception);
    }
}
