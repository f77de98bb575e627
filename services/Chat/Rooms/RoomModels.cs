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

/// <summary>
/// A room as anyone allowed to see it sees it. <see cref="Moderators"/> excludes the owner; <see cref="ReadOnly"/> means
/// only moderators and the owner may post; <see cref="SlowModeSeconds"/> &gt; 0 is the least interval between two messages
/// of one member (moderators exempt).
/// </summary>
public sealed record RoomSummary(
    string Id,
    string Name,
    RoomKind Kind,
    string Owner,
    string? Topic,
    DateTimeOffset CreatedAt,
    long LastEventId,
    long MessageCount,
    long MemberCount,
    IReadOnlyList<string> Moderators,
    bool ReadOnly,
    int SlowModeSeconds)
{
    // Value equality over the moderators too (a record compares a list by reference).
    public bool Equals(RoomSummary? other) =>
        other is not null && Id == other.Id && Name == other.Name && Kind == other.Kind && Owner == other.Owner && Topic == other.Topic
        && CreatedAt == other.CreatedAt && LastEventId == other.LastEventId && MessageCount == other.MessageCount
        && MemberCount == other.MemberCount && ReadOnly == other.ReadOnly && SlowModeSeconds == other.SlowModeSeconds
        && Moderators.SequenceEqual(other.Moderators, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Id, LastEventId, MemberCount, Moderators.Count);
}

/// <summary>The role a member holds in a room.</summary>
public enum RoomRole
{
    Member,
    Moderator,
    Owner,
}

/// <summary>
/// What a moderator changes with one <c>room.updated</c>: a null member is left as it is; <see cref="SlowModeSeconds"/> 0 turns
/// slow mode off and an empty <see cref="Topic"/> clears the topic.
/// </summary>
public sealed record RoomChanges(string? Name = null, string? Topic = null, bool? ReadOnly = null, int? SlowModeSeconds = null);

/// <summary>A room in one member's room list, with that member's read state.</summary>
public sealed record MyRoom(RoomSummary Room, long LastReadEventId, long Unread, long Mentions);
