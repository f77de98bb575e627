using System.Text.Json;

namespace ChatMesh.Client;

/// <summary>A room role the owner grants or takes back (docs/protocol.md "Moderation and roles"); the owner is the room's creator.</summary>
public enum ChatRole
{
    /// <summary>A plain member: read-only and slow mode apply.</summary>
    Member,

    /// <summary>May kick, ban, unban, delete others' messages and change the room's settings.</summary>
    Moderator,
}

/// <summary>What <see cref="ChatMeshClient.UpdateRoomAsync"/> changes: only the properties set (null = unchanged).</summary>
public sealed record ChatRoomUpdate
{
    /// <summary>The room's new display name.</summary>
    public string? Name { get; init; }

    /// <summary>The new topic; an empty string clears it.</summary>
    public string? Topic { get; init; }

    /// <summary>True: only moderators and the owner may post, edit or react.</summary>
    public bool? ReadOnly { get; init; }

    /// <summary>Members who are not moderators may post once per this interval (whole seconds); <see cref="TimeSpan.Zero"/> turns slow mode off.</summary>
    public TimeSpan? SlowMode { get; init; }
}

/// <summary>A room as the REST API describes it (<c>RoomSummary</c>, docs/rest-api.md).</summary>
public sealed record ChatRoom(
    string Id,
    string Name,
    string Kind,
    string Owner,
    string? Topic,
    IReadOnlyList<string> Moderators,
    bool ReadOnly,
    TimeSpan SlowMode,
    long LastEventId,
    int MemberCount)
{
    internal static ChatRoom Parse(JsonElement room) => new(
        room.GetProperty("id").GetString()!,
        room.GetProperty("name").GetString()!,
        room.GetProperty("kind").GetString()!,
        room.GetProperty("owner").GetString()!,
        ChatEvent.String(room, "topic"),
        room.TryGetProperty("moderators", out var moderators) ? [.. moderators.EnumerateArray().Select(m => m.GetString()!)] : [],
        room.TryGetProperty("readOnly", out var readOnly) && readOnly.GetBoolean(),
        TimeSpan.FromSeconds(room.TryGetProperty("slowModeSeconds", out var slow) ? slow.GetInt32() : 0),
        room.GetProperty("lastEventId").GetInt64(),
        room.GetProperty("memberCount").GetInt32());
}
