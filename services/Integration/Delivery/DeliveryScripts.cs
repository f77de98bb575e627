namespace ChatMesh.Integration.Delivery;

/// <summary>
/// The Lua scripts of the durable delivery schedule. Each endpoint has its own sorted set <c>wh:ep:{id}:due</c> of
/// <c>{endpoint}:{event}</c> members scored by the time the next attempt is due; a claim moves the score to now + visibility
/// timeout, so a worker that dies holding a claim gives it back by itself, and <c>lease</c> in the message hash makes a late
/// completion of a lost claim a no-op. <c>wh:ready</c> holds the endpoints, scored by when each next needs looking at: its
/// earliest due member, or, while it is at its concurrency cap, the earliest end of a claim. A claim therefore visits only
/// endpoints that can take work: one at its cap (a hanging receiver) costs nothing and delays no one, and nothing waits on a
/// fixed deferral (a completion frees the slot and reschedules its endpoint at once).
/// </summary>
internal static class DeliveryScripts
{
    // Shared by every script: recompute when the endpoint (KEYS due / inflight given) next needs looking at.
    private const string Reschedule = """
        local function reschedule(ready, due, inflight, ep, cap)
          local head = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
          if #head == 0 then
            redis.call('ZREM', ready, ep)
            return
          end
          -- Scores stay the strings Redis gave (a Lua number would be formatted again for ZADD).
          local at = head[2]
          if redis.call('ZCARD', inflight) >= cap then
            local first = redis.call('ZRANGE', inflight, 0, 0, 'WITHSCORES')
            if #first > 0 and tonumber(first[2]) > tonumber(at) then at = first[2] end
          end
          redis.call('ZADD', ready, at, ep)
        end

        """;

    // KEYS: 1 ready. ARGV: 1 now, 2 retention ms, 3 event id, 4 json, 5 type, 6 traceparent, 7 cap, then the endpoint ids.
    // Schedules the event for each endpoint that does not have it yet; returns how many were new (a redelivered bus message adds none).
    public const string Enqueue = Reschedule + """
        local added = 0
        for i = 8, #ARGV do
          local ep = ARGV[i]
          local member = ep .. ':' .. ARGV[3]
          local msg = 'wh:msg:' .. member
          if redis.call('EXISTS', msg) == 0 then
            redis.call('HSET', msg, 'endpoint', ep, 'event', ARGV[3], 'json', ARGV[4], 'type', ARGV[5], 'trace', ARGV[6],
              'created', ARGV[1], 'attempts', 0, 'status', 'pending', 'next', ARGV[1])
            redis.call('PEXPIRE', msg, ARGV[2])
            local due = 'wh:ep:' .. ep .. ':due'
            redis.call('ZADD', due, ARGV[1], member)
            reschedule(KEYS[1], due, 'wh:ep:' .. ep .. ':inflight', ep, tonumber(ARGV[7]))
            added = added + 1
          end
        end
        return added
        """;

    // Claims up to max due deliveries from the endpoints in ready, visiting at most visit endpoints; appends 6 values per
    // claim to out: member, lease, attempt number, json, traceparent, the endpoint's revision.
    private const string ClaimReady = """
        local function claim_ready(ready, now, max, visit, visibility, cap, token, out)
          local untilMs = string.format('%d', now + visibility)
          local claimed = 0
          for _, ep in ipairs(redis.call('ZRANGEBYSCORE', ready, '-inf', now, 'LIMIT', 0, visit)) do
            if claimed >= max then break end
            local due = 'wh:ep:' .. ep .. ':due'
            local inflight = 'wh:ep:' .. ep .. ':inflight'
            redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
            local rev = redis.call('HGET', 'wh:ep:' .. ep, 'rev')
            if not rev and redis.call('EXISTS', 'wh:ep:' .. ep) == 1 then rev = '0' end
            if not rev then
              -- The endpoint was deleted: its schedule goes with it.
              redis.call('DEL', due, inflight)
              redis.call('ZREM', ready, ep)
            else
              local slots = cap - redis.call('ZCARD', inflight)
              if slots > max - claimed then slots = max - claimed end
              if slots > 0 then
                for _, m in ipairs(redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, slots)) do
                  local msg = 'wh:msg:' .. m
                  local fields = redis.call('HMGET', msg, 'json', 'trace')
                  if not fields[1] then
                    redis.call('ZREM', due, m)
                  else
                    claimed = claimed + 1
                    local lease = token .. '-' .. claimed
                    redis.call('ZADD', due, untilMs, m)
                    redis.call('ZADD', inflight, untilMs, m)
                    redis.call('PEXPIRE', inflight, visibility * 2)
                    redis.call('HSET', msg, 'lease', lease, 'status', 'delivering')
                    local attempt = redis.call('HINCRBY', msg, 'attempts', 1)
                    out[#out + 1] = m
                    out[#out + 1] = lease
                    out[#out + 1] = attempt
                    out[#out + 1] = fields[1]
                    out[#out + 1] = fields[2] or ''
                    out[#out + 1] = rev
                  end
                end
              end
              reschedule(ready, due, inflight, ep, cap)
            end
          end
          return out
        end

        """;

    // KEYS: 1 ready. ARGV: 1 now, 2 max claims, 3 endpoints to visit, 4 visibility ms, 5 per-endpoint cap, 6 lease token.
    // Returns a flat list, 6 per claim (see claim_ready).
    public const string Claim = Reschedule + ClaimReady + """
        return claim_ready(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], {})
        """;

    // KEYS: 1 message, 2 due, 3 inflight, 4 endpoint failed, 5 ready, 6 endpoint attempts, 7 message attempts.
    // ARGV: 1 member, 2 lease, 3 outcome, 4 next due ms, 5 now, 6 event id, 7 retention ms, 8 endpoint, 9 cap,
    // 10 attempt record (JSON, empty for none), 11 attempts kept per endpoint, 12 per message, 13 how many next claims to take
    // (so a worker goes on without another round trip), 14 their lease token, 15 endpoints to visit, 16 visibility ms.
    // Returns {1 or 0 (the claim was lost), then 6 values per next claim}. Outcomes: ok (delivered), retry (due again at ARGV[4]), fail (exhausted or endpoint off), release (shutdown: not an attempt).
    // Failures older than the retention leave the replay index, as their messages expire.
    public const string Complete = Reschedule + ClaimReady + """
        -- The attempt happened even when the claim was lost meanwhile: log it first.
        if ARGV[10] ~= '' then
          -- Trimmed only once over its bound (LPUSH answers the length): most attempts need no LTRIM.
          if redis.call('LPUSH', KEYS[6], ARGV[10]) > tonumber(ARGV[11]) then
            redis.call('LTRIM', KEYS[6], 0, ARGV[11] - 1)
          end
          redis.call('PEXPIRE', KEYS[6], ARGV[7])
          if redis.call('LPUSH', KEYS[7], ARGV[10]) > tonumber(ARGV[12]) then
            redis.call('LTRIM', KEYS[7], 0, ARGV[12] - 1)
          end
          redis.call('PEXPIRE', KEYS[7], ARGV[7])
        end
        local out = {1}
        if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] then
          out[1] = 0
          return claim_ready(KEYS[5], tonumber(ARGV[5]), tonumber(ARGV[13]), tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[9]), ARGV[14], out)
        end
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
        reschedule(KEYS[5], KEYS[2], KEYS[3], ARGV[8], tonumber(ARGV[9]))
        return claim_ready(KEYS[5], tonumber(ARGV[5]), tonumber(ARGV[13]), tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[9]), ARGV[14], out)
        """;

    // KEYS: 1 message, 2 due, 3 endpoint failed, 4 ready, 5 inflight. ARGV: 1 member, 2 now, 3 event id, 4 retention ms, 5 endpoint, 6 cap.
    // Returns 0 unknown message, 2 being delivered right now, 1 scheduled.
    public const string Replay = Reschedule + """
        local status = redis.call('HGET', KEYS[1], 'status')
        if not status then return 0 end
        if status == 'delivering' then return 2 end
        redis.call('HSET', KEYS[1], 'status', 'pending', 'attempts', 0, 'next', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[3])
        reschedule(KEYS[4], KEYS[2], KEYS[5], ARGV[5], tonumber(ARGV[6]))
        return 1
        """;
}
