using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Rooms;
using ChatMesh.Legacy.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Legacy.EventQueues;

/// <summary>Validates a registration body and takes the optional state snapshot consistently with the queue's start.</summary>
internal static class QueueRegistration
{
    private const int SnapshotAttempts = 3;

    /// <summary>The logged event types a queue may filter on.</summary>
    public static readonly IReadOnlySet<string> LoggedTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        ChatEventTypes.RoomCreated, ChatEventTypes.RoomUpdated, ChatEventTypes.MemberJoined, ChatEventTypes.MemberLeft,
        ChatEventTypes.MemberInvited, ChatEventTypes.MessageCreated, ChatEventTypes.MessageEdited, ChatEventTypes.MessageDeleted,
        ChatEventTypes.ReactionAdded, ChatEventTypes.ReactionRemoved,
        ChatEventTypes.RoleUpdated, ChatEventTypes.MemberBanned, ChatEventTypes.MemberUnbanned, ChatEventTypes.ReadUpdated,
        ChatEventTypes.NotificationMention, ChatEventTypes.NotificationInvite, ChatEventTypes.NotificationDirect,
    };

    /// <summary>The filter a request asks for, or the problem with it.</summary>
    public static ProblemHttpResult? TryFilter(RegisterQueueRequest request, LegacyOptions options, out QueueFilter filter)
    {
        filter = QueueFilter.All;
        HashSet<string>? rooms = null;
        if (request.Rooms is { } requestedRooms)
        {
            if (requestedRooms.Count > options.MaxRoomsPerQueue)
            {
                return PollProblems.InvalidArgument($"'rooms' may name at most {options.MaxRoomsPerQueue} rooms.");
            }

            rooms = new HashSet<string>(StringComparer.Ordinal);
            foreach (var room in requestedRooms)
            {
                if (room is null || !(ChatIds.IsRoomId(room) || ChatIds.TryParseDirect(room, out _, out _)))
                {
                    return PollProblems.InvalidArgument($"'rooms' holds an invalid room id: '{room}'.");
                }

                rooms.Add(room);
            }
        }

        HashSet<string>? types = null;
        if (request.Types is { } requestedTypes)
        {
            types = new HashSet<string>(StringComparer.Ordinal);
            foreach (var type in requestedTypes)
            {
                if (type is null || !LoggedTypes.Contains(type))
                {
                    return PollProblems.InvalidArgument($"'types' holds an unknown event type: '{type}'.");
                }

                types.Add(type);
            }
        }

        filter = new QueueFilter(rooms, types);
        return null;
    }

    /// <summary>
    /// The head to start the queue at, and the snapshot if asked. The head is read first and the snapshot after, so every
    /// event up to the head is in the snapshot and every later one comes through the queue: nothing is lost. A second head
    /// read equal to the first proves no write happened in between, so nothing is doubled either (<c>exact</c>); under
    /// constant writes a few attempts are made, then the last one is returned with <c>exact: false</c>.
    /// </summary>
    public static async Task<(long Head, QueueState? State)> SnapshotAsync(
        IChatService chat, string user, bool includeState, CancellationToken cancellationToken)
    {
        var head = await chat.GetHeadAsync(cancellationToken);
        if (!includeState)
        {
            return (head, null);
        }

        for (var attempt = 1; ; attempt++)
        {
            var rooms = await chat.ListMyRoomsAsync(user, cancellationToken);
            var after = await chat.GetHeadAsync(cancellationToken);
            if (after == head || attempt == SnapshotAttempts)
            {
                return (head, new QueueState(rooms, after == head));
            }

            head = after;
        }
    }
}
