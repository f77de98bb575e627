using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Legacy.EventQueues;

/// <summary>
/// What a queue delivers: room events of <see cref="Rooms"/> (null: every room of the user) and personal events, of
/// <see cref="Types"/> (null: every type). Personal events are addressed to the user and pass the room filter.
/// </summary>
public sealed record QueueFilter(IReadOnlySet<string>? Rooms, IReadOnlySet<string>? Types)
{
    public static readonly QueueFilter All = new(null, null);

    public bool Matches(StoredEvent stored) => Matches(stored.Type, stored.Room, stored.User);

    public bool Matches(in LiveEvent live) => Matches(live.Type, live.Room, live.User);

    private bool Matches(string type, string? room, string? user) =>
        (Types is null || Types.Contains(type)) && (user is not null || Rooms is null || (room is not null && Rooms.Contains(room)));

    /// <summary>The filter's wire form in Redis: space-separated, empty for "all".</summary>
    public static string Encode(IReadOnlySet<string>? values) => values is null ? "" : string.Join(' ', values.Order(StringComparer.Ordinal));

    public static IReadOnlySet<string>? Decode(string? encoded) =>
        string.IsNullOrEmpty(encoded) ? null : new HashSet<string>(encoded.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
}

/// <summary>A queue as one poll sees it: its owner, its filter, and the cursor this poll starts from (now acknowledged).</summary>
public sealed record EventQueue(string Id, string User, QueueFilter Filter, long Cursor)
{
    /// <summary>The log head read in the same script that started the poll; at or after <see cref="Cursor"/>.</summary>
    public long Head { get; init; }

    /// <summary>
    /// False only when the script that started the poll proved the replay after <see cref="Cursor"/> empty up to
    /// <see cref="Head"/> (no reset either), so the poll need not read it.
    /// </summary>
    public bool Pending { get; init; } = true;

    /// <summary>The user's rooms read in the same script, for the live subscription; null: ask the chat service.</summary>
    public IReadOnlyList<string>? Rooms { get; init; }
}
