using ChatMesh.Chat.EventLog;
using StackExchange.Redis;

namespace ChatMesh.Legacy.EventQueues;

/// <summary>
/// The atomic queue operations. A queue is the hash <c>legacy:queue:{id}</c> (<c>user</c>, <c>rooms</c>, <c>types</c>,
/// <c>acked</c>, <c>created</c>) whose TTL every poll refreshes; <c>legacy:queue:{id}:owner</c> outlives it by
/// <c>ExpiredQueueMemory</c> so an expired id is told apart from an unknown one; <c>legacy:user:{u}:queues</c> scores
/// the user's queue ids by expiry (ms) to bound them per user; <c>legacy:user:{u}:held</c> scores the user's held polls
/// (one lease each, on any instance) by the lease's expiry, so a crashed instance's holds stop counting by themselves.
/// </summary>
internal static class EventQueueScripts
{
    public const long NotFound = -1;
    public const long Expired = -2;
    public const long OtherUser = -3;
    public const long BehindAck = -4;
    public const long FromFuture = -5;
    public const long TooMany = -6;
    public const long TooManyHeld = -7;

    // Legacy's own key layout, spelled once for the C# keys and the scripts that build keys inside (Flush).
    private const string QueuePrefix = "legacy:queue:";
    private const string OwnerSuffix = ":owner";
    private const string UserPrefix = "legacy:user:";
    private const string QueuesSuffix = ":queues";
    private const string HeldSuffix = ":held";

    public static RedisKey QueueKey(string id) => QueuePrefix + id;

    public static RedisKey OwnerKey(string id) => QueuePrefix + id + OwnerSuffix;

    public static RedisKey UserQueuesKey(string user) => UserPrefix + user + QueuesSuffix;

    public static RedisKey HeldKey(string user) => UserPrefix + user + HeldSuffix;

    public static RedisKey RateKey(string user, long window) => $"{UserPrefix}{user}:shortpolls:{window}";

    /// <summary>Creates a queue unless the user holds <c>max</c> live ones; 1, or <see cref="TooMany"/>.</summary>
    public static readonly LuaScript Register = LuaScript.Prepare("""
        redis.call('ZREMRANGEBYSCORE', @userQueues, '-inf', @now)
        if redis.call('ZCARD', @userQueues) >= tonumber(@max) then return -6 end
        redis.call('HSET', @queue, 'user', @user, 'rooms', @rooms, 'types', @types, 'acked', @acked, 'created', @now)
        redis.call('PEXPIRE', @queue, @ttl)
        redis.call('SET', @owner, @user, 'PX', tonumber(@ttl) + tonumber(@memory))
        redis.call('ZADD', @userQueues, tonumber(@now) + tonumber(@ttl), @id)
        redis.call('PEXPIRE', @userQueues, @indexTtl)
        return 1
        """);

    /// <summary>
    /// Starts a poll in one round trip: reads the log head (<c>chat:seq</c>), checks owner and cursor (<c>-1</c> = the
    /// acknowledged cursor); a held poll (<c>lease</c> not empty) then takes a lease among the user's held polls unless
    /// <c>maxHeld</c> are live; only then acknowledges the cursor and refreshes the expiry. It also returns the user's rooms
    /// (for the live subscription) and whether anything may be pending after the cursor: an entry after it in the personal
    /// log, the membership index or one of the user's room logs, or a retention floor after it (layout: docs/eventlog.md).
    /// When nothing is, the replay after the cursor is empty up to the head and the poll skips it.
    /// Returns <c>{1, cursor, rooms filter, types filter, head, pending, {room…}}</c> or <c>{code, acked, head}</c>.
    /// </summary>
    public static readonly LuaScript Poll = LuaScript.Prepare($$"""
        local head = tonumber(redis.call('GET', @seq) or '0')
        local q = redis.call('HMGET', @queue, 'user', 'rooms', 'types', 'acked')
        if not q[1] then
          local owner = redis.call('GET', @owner)
          if not owner then return {-1} end
          if owner ~= @user then return {-3} end
          return {-2}
        end
        if q[1] ~= @user then return {-3} end
        local acked = tonumber(q[4])
        local cursor = tonumber(@cursor)
        if cursor < 0 then cursor = acked end
        if cursor > head then return {-5, q[4], string.format('%d', head)} end
        if cursor < acked then return {-4, q[4], string.format('%d', head)} end
        if @lease ~= '' then
          redis.call('ZREMRANGEBYSCORE', @held, '-inf', @now)
          if not redis.call('ZSCORE', @held, @lease) and redis.call('ZCARD', @held) >= tonumber(@maxHeld) then
            return {-7, q[4], string.format('%d', head)}
          end
          redis.call('ZADD', @held, tonumber(@leaseUntil), @lease)
          if redis.call('PTTL', @held) < tonumber(@heldTtl) then redis.call('PEXPIRE', @held, @heldTtl) end
        end
        if cursor > acked then redis.call('HSET', @queue, 'acked', string.format('%d', cursor)) end
        redis.call('PEXPIRE', @queue, @ttl)
        redis.call('PEXPIRE', @owner, tonumber(@ttl) + tonumber(@memory))
        redis.call('ZADD', @userQueues, 'XX', tonumber(@now) + tonumber(@ttl), @id)
        redis.call('PEXPIRE', @userQueues, @indexTtl)
        redis.call('PUBLISH', @changed, @instance .. ' ' .. @id)
        local function newer(stream)
          local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
          return last[1] ~= nil and tonumber(string.match(last[1][1], '^%d+')) > cursor
        end
        local rooms = redis.call('HKEYS', @userRooms)
        local pending = 0
        local floors = redis.call('HMGET', @userHash, '{{ChatKeys.FloorField}}', 'mfloor')
        if cursor < head then
          if tonumber(floors[1] or '0') > cursor or tonumber(floors[2] or '0') > cursor
            or newer(@personalLog) or newer(@memberships) then
            pending = 1
          else
            for _, room in ipairs(rooms) do
              if newer('{{ChatKeys.RoomPrefix}}' .. room .. '{{ChatKeys.LogSuffix}}') or tonumber(redis.call('HGET', '{{ChatKeys.RoomPrefix}}' .. room, '{{ChatKeys.FloorField}}') or '0') > cursor then
                pending = 1
                break
              end
            end
          end
        end
        return {1, string.format('%d', cursor), q[2], q[3], string.format('%d', head), pending, rooms}
        """);

    /// <summary>
    /// The channel on which a poll started with the queue script, or a deletion, names the queue (<c>"{instance} {id}"</c>),
    /// so the other instances stop answering it from what they knew (<c>Polling/LocalQueues</c>).
    /// </summary>
    public static readonly RedisChannel Changed = RedisChannel.Literal("legacy:queues:changed");

    /// <summary>
    /// What held polls started without the queue script owe Redis, many queues per call (ARGV: now, expired-queue memory
    /// ms, index TTL ms, the held-poll cap, then records of five, in order). <c>x</c> (id, user, lease): give a lease back;
    /// <c>h</c> (id, user, lease, until): take a held-poll lease unless the user holds the cap (as the poll script does);
    /// <c>a</c> (id, user, cursor, ttl): acknowledge the cursor if it is ahead (never back), and with ttl &gt; 0 refresh
    /// the expiry as the poll script does. Returns {ids of queues gone, ids whose lease was refused}. Keys are built
    /// inside (one Redis, as for the poll script).
    /// </summary>
    public const string Flush = $$"""
        local now = tonumber(ARGV[1])
        local max = tonumber(ARGV[4])
        local gone, refused = {}, {}
        for i = 5, #ARGV, 5 do
          local kind, id, user, a, b = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
          local held = '{{UserPrefix}}' .. user .. '{{HeldSuffix}}'
          if kind == 'x' then
            redis.call('ZREM', held, a)
          elseif kind == 'h' then
            redis.call('ZREMRANGEBYSCORE', held, '-inf', now)
            if redis.call('ZCARD', held) >= max then
              refused[#refused + 1] = id
            else
              redis.call('ZADD', held, b, a)
              if redis.call('PTTL', held) < tonumber(b) - now then redis.call('PEXPIRE', held, tonumber(b) - now) end
            end
          else
            local queue = '{{QueuePrefix}}' .. id
            local acked = redis.call('HGET', queue, 'acked')
            if not acked then
              gone[#gone + 1] = id
            else
              if tonumber(a) > tonumber(acked) then redis.call('HSET', queue, 'acked', a) end
              local ttl = tonumber(b)
              if ttl > 0 then
                redis.call('PEXPIRE', queue, ttl)
                redis.call('PEXPIRE', queue .. '{{OwnerSuffix}}', ttl + tonumber(ARGV[2]))
                local index = '{{UserPrefix}}' .. user .. '{{QueuesSuffix}}'
                redis.call('ZADD', index, 'XX', now + ttl, id)
                redis.call('PEXPIRE', index, math.max(tonumber(ARGV[3]), ttl + 1000))
              end
            end
          end
        end
        return {gone, refused}
        """;

    public static void AddAck(List<RedisValue> records, string id, string user, long cursor, long ttl) =>
        AddRecord(records, "a", id, user, cursor, ttl);

    public static void AddAcquire(List<RedisValue> records, string id, string user, string lease, long until) =>
        AddRecord(records, "h", id, user, lease, until);

    public static void AddRelease(List<RedisValue> records, string id, string user, string lease) =>
        AddRecord(records, "x", id, user, lease, RedisValue.EmptyString);

    // One at a time: a collection expression here would be a temporary array per record, two records per poll.
    private static void AddRecord(List<RedisValue> records, RedisValue kind, string id, string user, RedisValue a, RedisValue b)
    {
        records.Add(kind);
        records.Add(id);
        records.Add(user);
        records.Add(a);
        records.Add(b);
    }

    /// <summary>Deletes a queue (also an expired one still remembered); 1, <see cref="NotFound"/> or <see cref="OtherUser"/>.</summary>
    public static readonly LuaScript Delete = LuaScript.Prepare("""
        local owner = redis.call('HGET', @queue, 'user')
        if not owner then owner = redis.call('GET', @owner) end
        if not owner then return -1 end
        if owner ~= @user then return -3 end
        redis.call('DEL', @queue, @owner)
        redis.call('ZREM', @userQueues, @id)
        redis.call('PUBLISH', @changed, @instance .. ' ' .. @id)
        return 1
        """);

    /// <summary>Counts one short poll in the current minute; returns the count so far.</summary>
    public static readonly LuaScript CountShortPoll = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, 120000) end
        return count
        """);
}
