using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Rooms;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Gateway.Api.Rooms;

/// <summary>Roles and moderation under <c>/api/rooms/{room}/…</c>; the rules are the chat domain's (docs/protocol.md, "Moderation").</summary>
internal static class ModerationEndpoints
{
    public static RouteGroupBuilder MapModerationEndpoints(this RouteGroupBuilder api)
    {
        var room = api.MapGroup("/rooms/{room}").WithTags("Moderation");

        room.MapPatch("", Update)
            .WithSummary("Renames the room, sets its topic, makes it read-only or sets slow mode (moderators and the owner).")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        room.MapPut("/roles/{user}", SetRole).WithSummary("The owner makes a member a moderator ('moderator') or a moderator a member ('member').");
        room.MapDelete("/members/{user}", Kick).WithSummary("Kicks a member of a lower role out of the room; they may join again.");
        room.MapGet("/bans", Bans).WithSummary("The users banned from the room (moderators and the owner).");
        room.MapPut("/bans/{user}", Ban).WithSummary("Bans a user of a lower role: removed if a member, refused on join and invite until unbanned.");
        room.MapDelete("/bans/{user}", Unban).WithSummary("Lifts a ban; the user may join (or be invited) again.");
        return api;
    }

    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> Update(
        string room, UpdateRoomRequest? request, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with any of 'name', 'topic', 'readOnly', 'slowModeSeconds'.");
        }

        var changes = new RoomChanges(request.Name, request.Topic, request.ReadOnly, request.SlowModeSeconds);
        return EventId(await chat.UpdateRoomAsync(user.GetUserId(), room, changes, cancellationToken));
    }

    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> SetRole(
        string room, string user, SetRoleRequest? request, ClaimsPrincipal caller, IChatService chat, CancellationToken cancellationToken)
    {
        RoomRole? role = request?.Role switch
        {
            "moderator" => RoomRole.Moderator,
            "member" => RoomRole.Member,
            _ => null,
        };
        if (role is not { } chosen)
        {
            return request?.Role is null
                ? ChatProblems.InvalidRequest("The body must be a JSON object with 'role'.")
                : ChatProblems.InvalidArgument("'role' must be 'moderator' or 'member'; a room has one owner, its creator.");
        }

        return EventId(await chat.SetRoleAsync(caller.GetUserId(), room, user, chosen, cancellationToken));
    }

    internal static async Task<Ok<EventIdResponse>> Kick(string room, string user, ClaimsPrincipal caller, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.KickAsync(caller.GetUserId(), room, user, cancellationToken));

    internal static async Task<Ok<IReadOnlyList<string>>> Bans(string room, ClaimsPrincipal caller, IChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(await chat.GetBansAsync(caller.GetUserId(), room, cancellationToken));

    internal static async Task<Ok<EventIdResponse>> Ban(string room, string user, ClaimsPrincipal caller, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.BanAsync(caller.GetUserId(), room, user, cancellationToken));

    internal static async Task<Ok<EventIdResponse>> Unban(string room, string user, ClaimsPrincipal caller, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.UnbanAsync(caller.GetUserId(), room, user, cancellationToken));

    private static Ok<EventIdResponse> EventId(CommitResult result) => TypedResults.Ok(new EventIdResponse(result.EventId));
}
