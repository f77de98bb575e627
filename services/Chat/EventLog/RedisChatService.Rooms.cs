using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog.Scripts;
using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>Rooms and membership.</summary>
public sealed partial class RedisChatService
{
    public async Task<RoomSummary> CreateRoomAsync(string actor, string roomId, string name, RoomKind kind, string? topic, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        if (roomId is null || !ChatIds.IsRoomId(roomId))
        {
            throw new ChatException(ChatError.InvalidArgument, "room id must match ^[a-z0-9][a-z0-9_-]{0,63}$.");
        }

        if (kind is not (RoomKind.Public or RoomKind.Private))
        {
            throw new ChatException(ChatError.InvalidArgument, "direct rooms are opened with OpenDirect, not created.");
        }

        name = name?.Trim() ?? "";
        if (name.Length == 0 || name.Length > chat.MaxRoomNameLength)
        {
            throw new ChatException(ChatError.InvalidArgument, $"name must be 1 to {chat.MaxRoomNameLength} characters.");
        }

        topic = topic?.Trim() ?? "";
        if (topic.Length > chat.MaxTopicLength)
        {
            throw new ChatException(ChatError.InvalidArgument, $"topic must be at most {chat.MaxTopicLength} characters.");
        }

        var now = Now();
        var result = await EvalAsync(RoomScripts.Create,
            [roomId, actor, name, KindName(kind), topic, ToMilliseconds(now),
             RoomCreated(roomId, actor, now, name, kind, topic), Membership(ChatEventTypes.MemberJoined, roomId, actor, actor, now, personal: false),
             Membership(ChatEventTypes.MemberJoined, roomId, actor, actor, now, personal: true)],
            cancellationToken).ConfigureAwait(false);
        return ParseRoom(roomId, (RedisResult[])result!);
    }

    public async Task<RoomSummary> OpenDirectAsync(string actor, string otherUser, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireUser(otherUser, "user");
        if (string.Equals(actor, otherUser, StringComparison.Ordinal))
        {
            throw new ChatException(ChatError.InvalidArgument, "a direct room needs two different users.");
        }

        var room = ChatIds.DirectRoomId(actor, otherUser);
        var now = Now();
        var result = await EvalAsync(RoomScripts.OpenDirect,
            [room, actor, otherUser, ToMilliseconds(now), RoomCreated(room, actor, now, room, RoomKind.Direct, ""),
             Membership(ChatEventTypes.MemberJoined, room, actor, actor, now, personal: false),
             Membership(ChatEventTypes.MemberJoined, room, actor, actor, now, personal: true),
             Membership(ChatEventTypes.MemberJoined, room, actor, otherUser, now, personal: false),
             Membership(ChatEventTypes.MemberJoined, room, actor, otherUser, now, personal: true)],
            cancellationToken).ConfigureAwait(false);
        return ParseRoom(room, (RedisResult[])result!);
    }

    public async Task<CommitResult> JoinRoomAsync(string actor, string room, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        var now = Now();
        var result = await EvalAsync(RoomScripts.Join,
            [room, actor, Membership(ChatEventTypes.MemberJoined, room, actor, actor, now, personal: false),
             Membership(ChatEventTypes.MemberJoined, room, actor, actor, now, personal: true)],
            cancellationToken).ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MemberJoined, room, null);
    }

    public async Task<CommitResult> LeaveRoomAsync(string actor, string room, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        var now = Now();
        var result = await EvalAsync(RoomScripts.Leave,
            [room, actor, Removal(room, actor, actor, "left", now, personal: false), Removal(room, actor, actor, "left", now, personal: true)],
            cancellationToken).ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MemberLeft, room, null);
    }

    public async Task<CommitResult> InviteAsync(string actor, string room, string invitee, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        ChatIds.RequireUser(invitee, "invitee");
        var now = Now();

        var invited = EventJsonBuilder.Start(ChatEventTypes.MemberInvited, room, actor, now);
        invited.Data.WriteString("user"u8, invitee);
        invited.Data.WriteString("by"u8, actor);
        var invitedBody = invited.Finish().Json;

        var notification = EventJsonBuilder.Start(ChatEventTypes.NotificationInvite, room, actor, now, invitee);
        notification.Data.WriteString("room"u8, room);
        notification.Data.WriteString("by"u8, actor);
        var notificationBody = notification.Finish().Json;

        var result = await EvalAsync(RoomScripts.Invite, [room, actor, invitee, invitedBody, notificationBody], cancellationToken)
            .ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MemberInvited, room, null);
    }

    private static byte[] RoomCreated(string room, string actor, DateTimeOffset now, string name, RoomKind kind, string topic)
    {
        var created = EventJsonBuilder.Start(ChatEventTypes.RoomCreated, room, actor, now);
        created.Data.WriteString("name"u8, name);
        created.Data.WriteString("kind"u8, KindName(kind));
        created.Data.WriteString("owner"u8, actor);
        if (topic.Length == 0)
        {
            created.Data.WriteNull("topic"u8);
        }
        else
        {
            created.Data.WriteString("topic"u8, topic);
        }

        return created.Finish().Json;
    }

    /// <summary>member.joined in the room log, or the member's personal copy (with <c>"user"</c>).</summary>
    private static byte[] Membership(string type, string room, string actor, string member, DateTimeOffset now, bool personal)
    {
        var body = EventJsonBuilder.Start(type, room, actor, now, personal ? member : null);
        body.Data.WriteString("user"u8, member);
        return body.Finish().Json;
    }
}
