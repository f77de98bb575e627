using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Inbound;

/// <summary>
/// Inbound hook management: <c>/api/webhooks/incoming</c>. Creating a hook makes its bot (<c>hook-…</c>) a member of the
/// room — invited by the creator in a private room — so every post is an ordinary member's post; deleting it makes the
/// bot leave. Each post also requires that the creator is still a member.
/// </summary>
internal static class HookRoutes
{
    public const int MaxNameLength = 80;

    public static RouteGroupBuilder MapHookRoutes(this RouteGroupBuilder webhooks)
    {
        var incoming = webhooks.MapGroup("/incoming").WithTags("Incoming hooks");
        incoming.MapPost("", Create).WithSummary("Creates a hook into a room the caller is a member of; the token is shown once.");
        incoming.MapGet("", List).WithSummary("The caller's hooks (without tokens).");
        incoming.MapDelete("/{id}", Delete).WithSummary("Deletes a hook; its bot leaves the room.");
        return webhooks;
    }

    internal static async Task<Results<Created<HookResponse>, ProblemHttpResult>> Create(
        CreateHookRequest? request, ClaimsPrincipal user, IChatService chat, InboundHookStore store,
        IOptions<IntegrationOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request?.Room is not { } room || request.Name is not { } name)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'room' and 'name' (and optionally 'signed').");
        }

        if (name.Trim().Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            return ChatProblems.InvalidArgument($"'name' must be 1 to {MaxNameLength} characters without control characters.");
        }

        var owner = user.GetUserId();
        var max = options.Value.Inbound.MaxHooksPerUser;
        if (await store.CountAsync(owner) >= max)
        {
            return IntegrationProblems.LimitReached("hooks", max);
        }

        // room_not_found for an unknown room; a public room is readable by anyone, so membership is checked on its own.
        var summary = await chat.GetRoomAsync(owner, room, cancellationToken);
        if (!await chat.IsMemberAsync(owner, summary.Id, cancellationToken))
        {
            throw new ChatException(ChatError.NotMember, $"{owner} is not a member of {summary.Id}.");
        }

        if (summary.Kind == RoomKind.Direct)
        {
            throw new ChatException(ChatError.Forbidden, "A direct room takes no hooks: nobody else can join it.");
        }

        var token = InboundHook.NewToken();
        var secret = request.Signed == true ? WebhookSecret.Generate().Encode() : null;
        var hook = new InboundHook(InboundHook.NewId(), owner, summary.Id, name, InboundHook.HashToken(token), secret, time.GetUtcNow());
        if (summary.Kind == RoomKind.Private)
        {
            await chat.InviteAsync(owner, hook.Room, hook.BotId, cancellationToken);
        }

        await chat.JoinRoomAsync(hook.BotId, hook.Room, cancellationToken);
        await store.SaveAsync(hook);
        return TypedResults.Created(
            $"{IntegrationPaths.Incoming}/{hook.Id}",
            HookResponse.From(hook) with { Url = $"{IntegrationPaths.Hooks}/{token}", Token = token, Secret = secret });
    }

    internal static async Task<Ok<HookResponse[]>> List(ClaimsPrincipal user, InboundHookStore store) =>
        TypedResults.Ok((await store.ListAsync(user.GetUserId())).Select(HookResponse.From).ToArray());

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, ClaimsPrincipal user, InboundHookStore store, IChatService chat, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id) is not { } hook || hook.Owner != user.GetUserId())
        {
            return IntegrationProblems.HookNotFound();
        }

        await store.DeleteAsync(hook);
        try
        {
            await chat.LeaveRoomAsync(hook.BotId, hook.Room, cancellationToken);
        }
        catch (ChatException exception) when (exception.Error is ChatError.NotMember or ChatError.RoomNotFound or ChatError.Forbidden)
        {
            // Already gone from the room.
        }

        return TypedResults.NoContent();
    }
}
