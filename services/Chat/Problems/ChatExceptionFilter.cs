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
            if (exception.RetryAfter is { } wait)
            {
                // Whole seconds, rounded up, as HTTP requires; retryAfterMs in the body is exact.
                context.HttpContext.Response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return ChatProblemDetails.From(exception);
        }
    }
}
