using System.Globalization;
using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Presence;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Rooms;
using ChatMesh.Gateway.Typing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Gateway.Api.Rooms;

/// <summary>Rooms and membership: <c>/api/rooms/…</c> and <c>/api/direct/{user}</c>.</summary>
internal static class RoomEndpoints
{
    public static RouteGroupBuilder MapRoomEndpoints(this RouteGroupBuilder api)
    {
        var rooms = api.MapGroup("/rooms").WithTags("Rooms");

        rooms.MapGet("", ListMine).WithSummary("The caller's rooms, with unread and mention counts.");
        rooms.MapGet("/public", ListPublic).WithSummary("Every public room the caller is not banned from.");
        rooms.MapPost("", Create).WithSummary("Creates a public or private room; the caller becomes its owner and first member.");
        rooms.MapGet("/{room}", Get).WithSummary("One room the caller may see.");
        rooms.MapGet("/{room}/members", Members).WithSummary("The members of a room the caller belongs to.");
        rooms.MapGet("/{room}/presence", Presence).WithSummary("The members of a room who are online now (a connection on any channel).");
        rooms.MapPost("/{room}/join", Join).WithSummary("Joins a public room (or a private one the caller is invited to).");
        rooms.MapPost("/{room}/leave", Leave).WithSummary("Leaves a room.");
        rooms.MapPost("/{room}/invites", Invite).WithSummary("Invites a user into a room the caller belongs to.");
        rooms.MapPost("/{room}/read", MarkRead).WithSummary("Moves the caller's read cursor in a room, which resets its unread count.");
        rooms.MapPost("/{room}/typing", Typing)
            .WithSummary("Tells the room's members the caller is typing (an ephemeral signal), at most once per TypingThrottle.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapPost("/direct/{user}", OpenDirect).WithTags("Rooms")
            .WithSummary("Opens (or returns) the direct room between the caller and another user.");
        return api;
    }

    internal static async Task<Ok<IReadOnlyList<MyRoom>>> ListMine(ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(await chat.ListMyRoomsAsync(user.GetUserId(), cancellationToken));

    internal static async Task<Ok<IReadOnlyList<RoomSummary>>> ListPublic(ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(await chat.ListPublicRoomsAsync(user.GetUserId(), cancellationToken));

    internal static async Task<Results<Created<RoomSummary>, ProblemHttpResult>> Create(
        CreateRoomRequest? request, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken)
    {
        if (request is null || string.IsNullOrEmpty(request.Id) || string.IsNullOrEmpty(request.Name))
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'id' and 'name' (and optionally 'kind', 'topic').");
        }

        RoomKind kind;
        switch (request.Kind)
        {
            case null or "public":
                kind = RoomKind.Public;
                break;
            case "private":
                kind = RoomKind.Private;
                break;
            default:
                return ChatProblems.InvalidArgument("'kind' must be 'public' or 'private'; direct rooms are opened with POST /api/direct/{user}.");
        }

        var room = await chat.CreateRoomAsync(user.GetUserId(), request.Id, request.Name, kind, request.Topic, cancellationToken);
        return TypedResults.Created(ApiPaths.Room(room.Id), room);
    }

    internal static async Task<Ok<RoomSummary>> Get(string room, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(await chat.GetRoomAsync(user.GetUserId(), room, cancellationToken));

    internal static async Task<Ok<IReadOnlyList<string>>> Members(string room, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(await chat.GetMembersAsync(user.GetUserId(), room, cancellationToken));

    /// <summary>A snapshot for a presence list; later changes arrive as <c>presence</c> signals.</summary>
    internal static async Task<Ok<IReadOnlyList<string>>> Presence(
        string room, ClaimsPrincipal user, IChatService chat, ConnectionRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.OnlineAsync(await chat.GetMembersAsync(user.GetUserId(), room, cancellationToken), cancellationToken));

    internal static async Task<Ok<EventIdResponse>> Join(string room, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.JoinRoomAsync(user.GetUserId(), room, cancellationToken));

    internal static async Task<Ok<EventIdResponse>> Leave(string room, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.LeaveRoomAsync(user.GetUserId(), room, cancellationToken));

    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> Invite(
        string room, InviteRequest? request, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request?.User))
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'user'.");
        }

        return EventId(await chat.InviteAsync(user.GetUserId(), room, request.User, cancellationToken));
    }

    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> MarkRead(
        string room, MarkReadRequest? request, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken)
    {
        if (request?.EventId is not { } eventId)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'eventId'.");
        }

        if (eventId < 0)
        {
            return ChatProblems.InvalidArgument("'eventId' must not be negative.");
        }

        return EventId(await chat.MarkReadAsync(user.GetUserId(), room, eventId, cancellationToken));
    }

    /// <summary>202 with no body; a repeat within the throttle is 429 <c>rate_limited</c> with <c>Retry-After</c>.</summary>
    internal static async Task<Results<Accepted, ProblemHttpResult>> Typing(
        string room, ClaimsPrincipal user, TypingRelay typing, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await typing.RelayAsync(user.GetUserId(), room, cancellationToken) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return ChatProblems.Create(
                StatusCodes.Status429TooManyRequests, ApiErrors.RateLimited, $"You already announced typing in '{room}'; retry in {seconds} s.");
        }

        return TypedResults.Accepted((string?)null);
    }

    internal static async Task<Ok<RoomSummary>> OpenDirect(string user, ClaimsPrincipal caller, IChatService chat, CancellationToken cancellationToken) =>
        TypedResults.Ok(await chat.OpenDirectAsync(caller.GetUserId(), user, cancellationToken));

    private static Ok<EventIdResponse> EventId(CommitResult result) => TypedResults.Ok(new EventIdResponse(result.EventId));
}
