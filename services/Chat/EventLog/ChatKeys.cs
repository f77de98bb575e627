using System.Globalization;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// The chat log's Redis key layout (docs/eventlog.md), written out once: the event log and its Lua scripts, the outbox,
/// search and legacy's poll script all build their keys here. The string constants are what the scripts splice in
/// (<c>rk(r)</c> = <see cref="RoomPrefix"/> .. r); the methods are the same keys for C# reads.
/// </summary>
public static class ChatKeys
{
    /// <summary>The global event counter (<c>INCR</c>): every logged event's id, and the log's head.</summary>
    public const string Sequence = "chat:seq";

    /// <summary>The outbox stream every event is appended to (fields: <c>Outbox/OutboxFields</c>).</summary>
    public const string Outbox = "chat:outbox";

    /// <summary>The set of public room ids.</summary>
    public const string PublicRooms = "chat:rooms:public";

    /// <summary>Room keys: <c>chat:room:{r}</c> (hash) and <c>chat:room:{r}:{suffix}</c>.</summary>
    public const string RoomPrefix = "chat:room:";

    /// <summary>User keys: <c>chat:user:{u}</c> (hash) and <c>chat:user:{u}:{suffix}</c>.</summary>
    public const string UserPrefix = "chat:user:";

    /// <summary>Idempotency keys of posts: <c>chat:idem:{u}:{key}</c>.</summary>
    public const string IdempotencyPrefix = "chat:idem:";

    /// <summary>The suffix of a room's or a user's event log (a stream): <c>chat:room:{r}:log</c>, <c>chat:user:{u}:log</c>.</summary>
    public const string LogSuffix = ":log";

    /// <summary>The field of a room's or a user's hash holding its retention floor (the oldest event id still logged).</summary>
    public const string FloorField = "floor";

    /// <summary>The suffix of a room's history index (a zset of message ids): <c>chat:room:{r}:messages</c>.</summary>
    public const string MessagesSuffix = ":messages";

    /// <summary>The global event counter as a key.</summary>
    public static readonly RedisKey Seq = Sequence;

    /// <summary>The room's hash: name, kind, owner, topic, last, count, members, floor, mod:{u}.</summary>
    public static RedisKey Room(string room) => RoomPrefix + room;

    /// <summary><c>chat:room:{r}:{suffix}</c>: <c>log</c>, <c>members</c>, <c>invited</c>, <c>banned</c>, <c>posted</c>.</summary>
    public static RedisKey Room(string room, string suffix) => RoomPrefix + room + ":" + suffix;

    /// <summary>The room's members: member → the event id from which they see the room.</summary>
    public static RedisKey Members(string room) => Room(room, "members");

    /// <summary>The users banned from the room (a set).</summary>
    public static RedisKey Banned(string room) => Room(room, "banned");

    /// <summary>The room's history index: message ids, score = id.</summary>
    public static RedisKey Messages(string room) => RoomPrefix + room + MessagesSuffix;

    /// <summary>One message's current state (fields: <see cref="MessageFields"/>); gone once trimmed from history.</summary>
    public static RedisKey Message(string room, long id) => RoomPrefix + room + ":msg:" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The user's hash: floor, mfloor.</summary>
    public static RedisKey User(string user) => UserPrefix + user;

    /// <summary><c>chat:user:{u}:{suffix}</c>: <c>log</c>, <c>memberships</c>, <c>rooms</c>, <c>read</c>, <c>mentions</c>.</summary>
    public static RedisKey User(string user, string suffix) => UserPrefix + user + ":" + suffix;

    /// <summary>The user's rooms: room → the event id from which they see it.</summary>
    public static RedisKey UserRooms(string user) => User(user, "rooms");

    /// <summary>The user's personal log (a stream).</summary>
    public static RedisKey UserLog(string user) => User(user, "log");

    /// <summary>The user's membership index (a stream of joins and leaves).</summary>
    public static RedisKey UserMemberships(string user) => User(user, "memberships");

    /// <summary>The user's notification read cursor (a string: every notification with an id up to it is read).</summary>
    public static RedisKey UserNotificationsRead(string user) => User(user, "notifications:read");

    /// <summary>The fields of a message hash (<see cref="Message"/>).</summary>
    public static class MessageFields
    {
        public const string Author = "a";
        public const string Text = "t";

        /// <summary>Created, unix ms.</summary>
        public const string CreatedAt = "ts";

        /// <summary>Last edited, unix ms (absent when never edited).</summary>
        public const string EditedAt = "ed";

        /// <summary><c>1</c> when deleted (a tombstone: text and reactions gone, the place in history kept).</summary>
        public const string Deleted = "d";

        public const string ReplyTo = "rt";

        /// <summary>Mentioned users, space-separated.</summary>
        public const string Mentions = "m";

        /// <summary>The attachments, JSON.</summary>
        public const string Attachments = "at";

        /// <summary>The prefix of a reaction's field: <c>x:{emoji}</c> → reacting users as <c>" u1 u2 "</c>.</summary>
        public const string ReactionPrefix = "x:";
    }

    /// <summary>The Redis keys of the blob index (docs/architecture.md, "Attachments": garbage collection).</summary>
    public static class Blobs
    {
        /// <summary>Sorted set: every blob's SHA-256, scored by the last time (ms) an upload claimed it or a sweep found it live.</summary>
        public const string Index = "chat:blobs";

        /// <summary><c>chat:blob:{sha}</c>, a set of <c>"{room} {attachment id}"</c>: the attachments that reference the blob.</summary>
        public const string RefsPrefix = "chat:blob:";

        /// <summary>Hash sha → ms: blobs a sweep is deleting, and until when that deletion holds off new uploads of them.</summary>
        public const string Deleting = "chat:blobs:deleting";

        /// <summary>The sweep lock: one gateway sweeps per interval.</summary>
        public const string SweepLock = "chat:blobs:sweep";

        /// <summary>
        /// Hash: the one-time backfill of blobs stored before the index existed (<c>phase</c> refs → store → done, the
        /// <c>cursor</c> of its attachment scan, the last indexed hash <c>after</c>, counts, start and end ms).
        /// </summary>
        public const string Backfill = "chat:blobs:backfill";
    }
}
