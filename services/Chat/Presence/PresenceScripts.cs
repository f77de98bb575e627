using StackExchange.Redis;

namespace ChatMesh.Chat.Presence;

/// <summary>
/// The atomic presence operations. Each user has a sorted set of live connection ids scored by expiry (ms), and
/// <c>chat:presence:index</c> scores each user by their latest expiry so sweeps find crashed connections cheaply.
/// </summary>
internal static class PresenceScripts
{
    public const string IndexKey = "chat:presence:index";

    public static RedisKey UserKey(string user) => $"chat:presence:{user}";

    /// <summary>Adds a connection unless the user is at the limit; returns the live count before (-1 when refused).</summary>
    public static readonly LuaScript Open = LuaScript.Prepare("""
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', @now)
        local live = redis.call('ZCARD', @key)
        if live >= tonumber(@max) then return -1 end
        redis.call('ZADD', @key, @expiry, @connection)
        redis.call('ZADD', @index, 'GT', @expiry, @user)
        return live
        """);

    /// <summary>
    /// Extends many connections an instance still holds in one round trip: KEYS[1] the index, ARGV[1] the new expiry,
    /// then (user, connection) pairs. A connection already closed or swept is not brought back (<c>XX</c>).
    /// </summary>
    public const string RefreshMany = """
        local expiry = ARGV[1]
        for i = 2, #ARGV, 2 do
          redis.call('ZADD', 'chat:presence:' .. ARGV[i], 'XX', expiry, ARGV[i + 1])
          redis.call('ZADD', KEYS[1], 'GT', expiry, ARGV[i])
        end
        return (#ARGV - 1) / 2
        """;

    /// <summary>Connections refreshed per <see cref="RefreshMany"/> call: a few hundred keeps each script short.</summary>
    public const int RefreshBatch = 500;

    /// <summary>Removes a connection; returns the live count after (0: the user went offline).</summary>
    public static readonly LuaScript Close = LuaScript.Prepare("""
        local removed = redis.call('ZREM', @key, @connection)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', @now)
        local live = redis.call('ZCARD', @key)
        if live == 0 then redis.call('ZREM', @index, @user) end
        if removed == 0 then return -1 end
        return live
        """);

    /// <summary>
    /// Drops connections whose instance stopped refreshing them; returns the users left with none. Atomic, so when
    /// several instances sweep, each offline user is reported once.
    /// </summary>
    public static readonly LuaScript Sweep = LuaScript.Prepare("""
        local offline = {}
        local users = redis.call('ZRANGEBYSCORE', @index, '-inf', @now, 'LIMIT', 0, 200)
        for _, user in ipairs(users) do
          local key = 'chat:presence:' .. user
          redis.call('ZREMRANGEBYSCORE', key, '-inf', @now)
          local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
          if #newest == 0 then
            redis.call('ZREM', @index, user)
            table.insert(offline, user)
          else
            redis.call('ZADD', @index, newest[2], user)
          end
        end
        return offline
        """);
}
