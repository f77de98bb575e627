namespace ChatMesh.Chat.Rooms;

/// <summary>Who may see and join a room.</summary>
public enum RoomKind
{
    /// <summary>Listed; anyone may join.</summary>
    Public,

    /// <summary>Unlisted; join by invitation only.</summary>
    Private,

    /// <summary>A private room of exactly two members, id <c>dm:{a}:{b}</c> with the names sorted.</summary>
    Direct,
}

/// <summary>A room as anyone allowed to see it sees it.</summary>
public sealed record RoomSummary(
    string Id,
    string Name,
    RoomKind Kind,
    string Owner,
    string? Topic,
    DateTimeOffset CreatedAt,
    long LastEventId,
    long MessageCount,
    long MemberCount);

/// <summary>A room in one member's room list, with that member's read state.</summary>
public sealed record MyRoom(RoomSummary Room, long LastReadEventId, long Unread, long Mentions);
