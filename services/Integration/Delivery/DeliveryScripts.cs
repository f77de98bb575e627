namespace ChatMesh.Integration.Delivery;

/// <summary>
/// The Lua scripts of the durable delivery schedule. <c>wh:due</c> is a sorted set of <c>{endpoint}:{event}</c> scored by
/// the time the next attempt is due; a claim moves the score to now + visibility timeout, so a worker that dies holding a
/// claim gives it back by itself. <c>lease</c> in the message hash makes a late completion of a lost claim a no-op.
/// </summary>
internal static class DeliveryScripts
{
    // KEYS: 1 message, 2 due. ARGV: 1 member, 2 now, 3 json, 4 type, 5 traceparent, 6 retention ms, 7 event id, 8 endpoint.
    public const string Enqueue = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'endpoint', ARGV[8], 'event', ARGV[7], 'json', ARGV[3], 'type', ARGV[4], 'trace', ARGV[5],
          'created', ARGV[2], 'attempts', 0, 'status', 'pending', 'next', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[6])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        return 1
        """;

    // KEYS: 1 due. ARGV: 1 now, 2 max claims, 3 scan, 4 visibility ms, 5 per-endpoint cap, 6 cap deferral ms, 7 lease token.
    // Returns a flat list: member, lease, attempt number, ...
    public const string Claim = """
        local now = tonumber(ARGV[1])
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
        local out = {}
        local claimed = 0
        for i, m in ipairs(due) do
          if claimed >= tonumber(ARGV[2]) then break end
          local ep = string.match(m, '^([^:]+):') or 'none'
          local msg = 'wh:msg:' .. m
          local inflight = 'wh:ep:' .. ep .. ':inflight'
          redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
          if redis.call('EXISTS', msg) == 0 then
            redis.call('ZREM', KEYS[1], m)
          elseif redis.call('ZCARD', inflight) >= tonumber(ARGV[5]) then
            -- The endpoint is at its cap: step aside so one busy endpoint never blocks the head of the schedule.
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[6]), m)
          else
            local lease = ARGV[7] .. '-' .. i
            local untilMs = now + tonumber(ARGV[4])
            redis.call('ZADD', KEYS[1], untilMs, m)
            redis.call('ZADD', inflight, untilMs, m)
            redis.call('PEXPIRE', inflight, tonumber(ARGV[4]) * 2)
            redis.call('HSET', msg, 'lease', lease, 'status', 'delivering')
            local attempt = redis.call('HINCRBY', msg, 'attempts', 1)
            out[#out + 1] = m
            out[#out + 1] = lease
            out[#out + 1] = attempt
            claimed = claimed + 1
          end
        end
        return out
        """;

    // KEYS: 1 message, 2 due, 3 inflight, 4 endpoint failed. ARGV: 1 member, 2 lease, 3 outcome, 4 next due ms, 5 now, 6 event id,
    // 7 retention ms (failures older than that leave the replay index, as their messages expire).
    // Outcomes: ok (delivered), retry (due again at ARGV[4]), fail (exhausted or endpoint off), release (shutdown: not an attempt).
    public const string Complete = """
        if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] then return 0 end
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('HDEL', KEYS[1], 'lease')
        local outcome = ARGV[3]
        if outcome == 'ok' then
          redis.call('ZREM', KEYS[2], ARGV[1])
          redis.call('HSET', KEYS[1], 'status', 'succeeded', 'next', 0)
        elseif outcome == 'retry' then
          redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
          redis.call('HSET', KEYS[1], 'status', 'pending', 'next', ARGV[4])
        elseif outcome == 'release' then
          redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
          redis.call('HINCRBY', KEYS[1], 'attempts', -1)
          redis.call('HSET', KEYS[1], 'status', 'pending', 'next', ARGV[5])
        else
          redis.call('ZREM', KEYS[2], ARGV[1])
          redis.call('HSET', KEYS[1], 'status', 'failed', 'next', 0)
          redis.call('ZADD', KEYS[4], ARGV[5], ARGV[6])
          redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', tonumber(ARGV[5]) - tonumber(ARGV[7]))
        end
        return 1
        """;

    // KEYS: 1 message, 2 due, 3 endpoint failed. ARGV: 1 member, 2 now, 3 event id, 4 retention ms.
    // Returns 0 unknown message, 2 being delivered right now, 1 scheduled.
    public const string Replay = """
        local status = redis.call('HGET', KEYS[1], 'status')
        if not status then return 0 end
        if status == 'delivering' then return 2 end
        redis.call('HSET', KEYS[1], 'status', 'pending', 'attempts', 0, 'next', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[3])
        return 1
        """;
}
