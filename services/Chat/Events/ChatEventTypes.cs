namespace ChatMesh.Chat.Events;

/// <summary>
/// The <c>type</c> of every event on the wire. Logged types carry a global event id and are replayed on resume;
/// ephemeral types (typing, presence) travel over the bus only and carry no id.
/// </summary>
public static class ChatEventTypes
{
    // Room stream (seen by every member).
    public const string RoomCreated = "room.created";
    public const string RoomUpdated = "room.updated";
    public const string MemberJoined = "member.joined";
    public const string MemberLeft = "member.left";
    public const string MemberInvited = "member.invited";
    public const string MessageCreated = "message.created";
    public const string MessageEdited = "message.edited";
    public const string MessageDeleted = "message.deleted";
    public const string ReactionAdded = "reaction.added";
    public const string ReactionRemoved = "reaction.removed";
    public const string RoleUpdated = "role.updated";
    public const string MemberBanned = "member.banned";
    public const string MemberUnbanned = "member.unbanned";

    // Personal stream (seen by one user on all of their connections).
    public const string ReadUpdated = "read.updated";
    public const string NotificationMention = "notification.mention";
    public const string NotificationInvite = "notification.invite";
    public const string NotificationDirect = "notification.direct";

    // Ephemeral (never logged, no id).
    public const string Typing = "typing";
    public const string Presence = "presence";
}
