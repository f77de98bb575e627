using ChatMesh.Chat.EventLog;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Problems;

/// <summary>Turns a refused command (<see cref="ChatException"/>) into its problem details; nothing was written.</summary>
public sealed class ChatExceptionFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ChatException exception)
        {
            return ChatProblems.From(exception);
        }
    }
}
