using StackExchange.Redis;

namespace ChatMesh.Gateway.Search;

/// <summary>
/// The event log's keys search reads (layout: docs/eventlog.md): the caller's rooms, and each message's current state,
/// which is what history shows — so a hit is shown only when history would show that message to that user.
/// </summary>
internal static class HistoryKeys
{
    public const string RoomPrefix = "chat:room:";
    public const string MessagesSuffix = ":messages";

    public static readonly RedisKey Head = "chat:seq";

    public static RedisKey Room(string room) => RoomPrefix + room;

    public static RedisKey Banned(string room) => RoomPrefix + room + ":banned";

    public static RedisKey Messages(string room) => RoomPrefix + room + MessagesSuffix;

    public static RedisKey Message(string room, long id) => RoomPrefix + room + ":msg:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static RedisKey UserRooms(string user) => "chat:user:" + user + ":rooms";

    /// <summary>The fields of a message hash search reads: author, text, created, edited (unix ms), deleted.</summary>
    public static readonly RedisValue[] MessageFields = ["a", "t", "ts", "ed", "d"];
}
