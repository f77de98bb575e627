using StackExchange.Redis;

namespace ChatMesh.Legacy.EventQueues;

/// <summary>
/// The chat log's keys the poll script reads (layout: docs/eventlog.md), so a poll learns its head, rooms and whether
/// anything is pending in the same round trip that starts it. Room keys are built inside the script from the room ids.
/// </summary>
internal static class ChatKeys
{
    public static readonly RedisKey Seq = "chat:seq";

    public static RedisKey User(string user) => "chat:user:" + user;

    public static RedisKey UserRooms(string user) => "chat:user:" + user + ":rooms";

    public static RedisKey UserLog(string user) => "chat:user:" + user + ":log";

    public static RedisKey UserMemberships(string user) => "chat:user:" + user + ":memberships";
}
