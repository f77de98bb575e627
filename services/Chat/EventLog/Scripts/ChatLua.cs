namespace ChatMesh.Chat.EventLog.Scripts;

/// <summary>
/// The Lua shared by every write script. Scripts check everything first and write only after the last check:
/// Redis does not roll back a script that fails halfway. Keys are derived inside the scripts (not passed as KEYS),
/// which is fine on the single primary this design requires (see docs/eventlog.md).
/// Every script receives ARGV[1..3] = max events per room, max events per user, outbox cap, and ARGV[4] = the
/// committing span's W3C traceparent (stored with the outbox entry so the trace continues onto the bus); the
/// prelude removes ARGV[4], so each script's own arguments start at ARGV[4].
/// </summary>
internal static class ChatLua
{
    // The key layout's names as Lua locals (ChatKeys), so the scripts and the C# reads spell each key once.
    private const string Keys = $"""
        local ROOM_PREFIX, USER_PREFIX = '{ChatKeys.RoomPrefix}', '{ChatKeys.UserPrefix}'
        local SEQ_KEY, OUTBOX_KEY, PUBLIC_ROOMS_KEY, IDEM_PREFIX = '{ChatKeys.Sequence}', '{ChatKeys.Outbox}', '{ChatKeys.PublicRooms}', '{ChatKeys.IdempotencyPrefix}'

        """;

    public const string Prelude = Keys + """
        local TRACEPARENT = table.remove(ARGV, 4)
        local MAXROOM, MAXUSER, OUTBOX = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
        local function rk(r) return ROOM_PREFIX .. r end
        local function uk(u) return USER_PREFIX .. u end
        local function idstr(n) return string.format('%d', n) end
        local function fail(code, msg) return redis.error_reply('CHAT ' .. code .. ' ' .. msg) end

        -- Fills the byte-range holes of a body built in C# (0-based [start,end) pairs at ARGV[first..]) with values.
        local function fill(body, first, values)
          local out, pos = {}, 1
          for i = 1, #values do
            out[#out + 1] = string.sub(body, pos, tonumber(ARGV[first + 2 * i - 2]))
            out[#out + 1] = values[i]
            pos = tonumber(ARGV[first + 2 * i - 1]) + 1
          end
          out[#out + 1] = string.sub(body, pos)
          return table.concat(out)
        end

        -- The body starts with '{"type":'; the id goes first so every reader finds it without parsing the rest.
        local function wire(e, body) return '{"id":' .. idstr(e) .. ',' .. string.sub(body, 2) end

        -- Appends with an exact cap; the highest trimmed id becomes the stream's floor, so a replay from before it reports a reset.
        local function capped_add(stream, floorKey, floorField, max, e, ...)
          local len = redis.call('XLEN', stream)
          if len >= max then
            local old = redis.call('XRANGE', stream, '-', '+', 'COUNT', len - max + 1)
            redis.call('HSET', floorKey, floorField, string.match(old[#old][1], '^%d+'))
          end
          redis.call('XADD', stream, 'MAXLEN', max, idstr(e) .. '-0', ...)
        end

        local function outbox(e, t, r, u, json)
          redis.call('XADD', OUTBOX_KEY, 'MAXLEN', '~', OUTBOX, idstr(e) .. '-0', 't', t, 'r', r, 'u', u, 'e', json, 'tp', TRACEPARENT)
        end

        local function next_id() return redis.call('INCR', SEQ_KEY) end

        local function append_room(r, e, t, json)
          capped_add(rk(r) .. ':log', rk(r), 'floor', MAXROOM, e, 'e', json)
          redis.call('HSET', rk(r), 'last', idstr(e))
          outbox(e, t, r, '', json)
        end

        local function room_event(r, t, body)
          local e = next_id()
          local json = wire(e, body)
          append_room(r, e, t, json)
          return e, json
        end

        local function user_event(u, t, body)
          local e = next_id()
          local json = wire(e, body)
          capped_add(uk(u) .. ':log', uk(u), 'floor', MAXUSER, e, 'e', json)
          outbox(e, t, '', u, json)
          return e
        end

        -- The user's membership index: which room they joined ('j') or left ('l') at which room event. Replay reads it
        -- to know which rooms the user could see at each point; it is never sent to clients.
        local function membership(u, e, r, k)
          capped_add(uk(u) .. ':memberships', uk(u), 'mfloor', MAXUSER, e, 'r', r, 'k', k)
        end

        local function member_of(r, u)
          local kind = redis.call('HGET', rk(r), 'kind')
          if not kind then return nil, fail('room_not_found', 'room ' .. r .. ' does not exist') end
          if redis.call('HEXISTS', rk(r) .. ':members', u) == 0 then
            if redis.call('SISMEMBER', rk(r) .. ':banned', u) == 1 then return nil, fail('banned', 'banned from ' .. r) end
            return nil, fail('not_member', 'not a member of ' .. r)
          end
          return kind
        end

        -- 2 the owner, 1 a moderator (a 'mod:{user}' field of the room hash), 0 a member. A room without role
        -- events has only its creator as owner, as before roles existed.
        local function role_of(r, u)
          if redis.call('HGET', rk(r), 'owner') == u then return 2 end
          if redis.call('HEXISTS', rk(r), 'mod:' .. u) == 1 then return 1 end
          return 0
        end

        -- A non-moderator's write of content (post, edit, react) in a read-only room is refused.
        local function writable(r, role)
          if role == 0 and redis.call('HGET', rk(r), 'readOnly') == '1' then
            return fail('room_read_only', 'room ' .. r .. ' is read-only for members who are not moderators')
          end
          return nil
        end

        -- Ends u's membership with the given member.left (leave, kick or ban): the same index entry and personal copy a
        -- leave writes, so every channel's membership check on delivery and on replay treats it as a leave.
        local function remove_member(r, u, leftBody, copyBody)
          local e, json = room_event(r, 'member.left', leftBody)
          redis.call('HDEL', rk(r) .. ':members', u)
          redis.call('HINCRBY', rk(r), 'members', -1)
          redis.call('HDEL', rk(r), 'mod:' .. u)
          redis.call('HDEL', uk(u) .. ':rooms', r)
          redis.call('HDEL', uk(u) .. ':read', r)
          redis.call('HDEL', uk(u) .. ':mentions', r)
          membership(u, e, r, 'l')
          user_event(u, 'member.left', copyBody)
          return e, json
        end

        -- The members among ARGV[first..] (mention candidates), and them as the inside of a JSON array.
        local function members_among(r, first)
          local found = {}
          for i = first, #ARGV do
            if redis.call('HEXISTS', rk(r) .. ':members', ARGV[i]) == 1 then found[#found + 1] = ARGV[i] end
          end
          local json = ''
          if #found > 0 then json = '"' .. table.concat(found, '","') .. '"' end
          return found, json
        end

        -- Makes u a member from event `at` on (default: the member.joined event): member hash, the user's room list,
        -- a read cursor with nothing unread, the membership index and the user's personal copy of the join.
        local function join(r, u, at, joinedBody, copyBody)
          local e, json = room_event(r, 'member.joined', joinedBody)
          at = at or e
          redis.call('HSET', rk(r) .. ':members', u, idstr(at))
          redis.call('HINCRBY', rk(r), 'members', 1)
          redis.call('HSET', uk(u) .. ':rooms', r, idstr(at))
          redis.call('HSET', uk(u) .. ':read', r, idstr(at) .. ':' .. (redis.call('HGET', rk(r), 'count') or '0'))
          redis.call('SREM', rk(r) .. ':invited', u)
          membership(u, at, r, 'j')
          user_event(u, 'member.joined', copyBody)
          return e, json
        end

        """;
}
