using System.Globalization;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Rooms;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// What a client asked of a stream: where to resume (<c>Last-Event-ID</c> wins over <c>?after=</c>, since an
/// EventSource reconnects to the same URL), which rooms and types it wants, and whether typing signals.
/// </summary>
internal sealed record FeedRequest(long? After, IReadOnlySet<string>? Rooms, IReadOnlySet<string>? Types, bool Typing)
{
    /// <summary>Every type a <c>types=</c> filter may name.</summary>
    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        ChatEventTypes.RoomCreated, ChatEventTypes.RoomUpdated, ChatEventTypes.MemberJoined, ChatEventTypes.MemberLeft,
        ChatEventTypes.MemberInvited, ChatEventTypes.MessageCreated, ChatEventTypes.MessageEdited, ChatEventTypes.MessageDeleted,
        ChatEventTypes.ReactionAdded, ChatEventTypes.ReactionRemoved,
        ChatEventTypes.RoleUpdated, ChatEventTypes.MemberBanned, ChatEventTypes.MemberUnbanned, ChatEventTypes.ReadUpdated, ChatEventTypes.NotificationMention,
        ChatEventTypes.NotificationInvite, ChatEventTypes.NotificationDirect, ChatEventTypes.Typing, ChatEventTypes.Presence,
    };

    public static bool TryParse(HttpRequest request, int maxRooms, out FeedRequest parsed, out ProblemHttpResult? problem)
    {
        parsed = new FeedRequest(null, null, null, false);
        problem = null;
        var query = request.Query;

        long? after = null;
        var lastEventId = request.Headers["Last-Event-ID"].ToString();
        var cursor = !string.IsNullOrWhiteSpace(lastEventId) ? lastEventId : query["after"].ToString();
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!long.TryParse(cursor.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                problem = FeedProblems.BadRequest("Last-Event-ID / after must be a non-negative event id.");
                return false;
            }

            after = value;
        }

        HashSet<string>? rooms = null;
        if (query.ContainsKey("rooms"))
        {
            rooms = Split(query["rooms"].ToString());
            if (rooms.Count == 0 || rooms.Count > maxRooms)
            {
                problem = FeedProblems.BadRequest($"rooms must name 1 to {maxRooms} rooms, comma-separated.");
                return false;
            }

            // Checked here, before any membership lookup: a malformed id is the client's error, never the server's.
            var malformed = rooms.FirstOrDefault(room => !ChatIds.IsRoomId(room) && !ChatIds.TryParseDirect(room, out _, out _));
            if (malformed is not null)
            {
                problem = FeedProblems.BadRequest($"rooms must be room ids or dm:{{a}}:{{b}} ids ('{Truncate(malformed)}' is not one).");
                return false;
            }
        }

        HashSet<string>? types = null;
        if (query.ContainsKey("types"))
        {
            types = Split(query["types"].ToString());
            var unknown = types.FirstOrDefault(type => !KnownTypes.Contains(type));
            if (types.Count == 0 || unknown is not null)
            {
                problem = FeedProblems.BadRequest(
                    $"types must list known event types, comma-separated{(unknown is null ? "" : $" ('{Truncate(unknown)}' is not one)")}.");
                return false;
            }
        }

        var typingText = query["typing"].ToString();
        var typing = false;
        if (typingText.Length > 0 && !bool.TryParse(typingText, out typing))
        {
            problem = FeedProblems.BadRequest("typing must be true or false.");
            return false;
        }

        parsed = new FeedRequest(after, rooms, types, typing || types?.Contains(ChatEventTypes.Typing) == true);
        return true;
    }

    /// <summary>The event filter of the feed: room filter applies to room events and signals; personal events always pass it.</summary>
    public bool Allows(string type, string? room)
    {
        if (type == ChatEventTypes.Typing && !Typing)
        {
            return false;
        }

        if (Types is not null && !Types.Contains(type))
        {
            return false;
        }

        return Rooms is null || room is null || Rooms.Contains(room);
    }

    public bool IsFiltered => Rooms is not null || Types is not null || !Typing;

    private static HashSet<string> Split(string value) =>
        new(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
