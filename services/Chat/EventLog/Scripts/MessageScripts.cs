namespace ChatMesh.Chat.EventLog.Scripts;

/// <summary>Message and read-state scripts. Commands return <c>{E, duplicate, json}</c>; a no-op returns <c>{id, 1}</c>.</summary>
internal static class MessageScripts
{
    // Message state for history: hash chat:room:{r}:msg:{id} (a author, t text, ts, ed edited, d deleted, rt replyTo,
    // m mentions space-separated, x:{emoji} reacting users as " u1 u2 "), indexed by the zset chat:room:{r}:messages.
    private const string Helpers = """
        local function msg_key(r, id) return rk(r) .. ':msg:' .. id end
        -- The author of a message that exists and is not deleted, else nil.
        local function live_author(r, id)
          local m = redis.call('HMGET', msg_key(r, id), 'a', 'd')
          if not m[1] or m[2] == '1' then return nil end
          return m[1]
        end

        """;

    // ARGV: 4 room, 5 author, 6 idempotency key or '', 7 key ttl ms, 8 createdAt ms, 9 text, 10 replyTo or '',
    // 11 message.created body, 12-15 holes (messageId, mentions), 16 notification type or '', 17 notification body,
    // 18-21 its holes (user, messageId), 22 the other member of a direct room or '', 23 attachment ids (space-separated)
    // or '', 24-25 the attachments hole (after the others) or 0 0, 26.. mention candidates.
    public const string Post = ChatLua.Prelude + Helpers + Attachments.AttachmentScripts.PostHelpers + """
        local r, u, key = ARGV[4], ARGV[5], ARGV[6]
        local kind, err = member_of(r, u)
        if err then return err end
        local idem
        if key ~= '' then
          idem = IDEM_PREFIX .. u .. ':' .. key
          local prev = redis.call('GET', idem)
          if prev then return {tonumber(prev), 1} end
        end
        local role = role_of(r, u)
        local refused = writable(r, role)
        if refused then return refused end
        -- Slow mode: one message per `slow` seconds per member, on the server's clock, moderators exempt. The check and
        -- the stamp are in this script, so parallel sends on any path cannot slip through together.
        local slow, now = tonumber(redis.call('HGET', rk(r), 'slow') or '0'), nil
        if slow > 0 and role == 0 then
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          local wait = tonumber(redis.call('HGET', rk(r) .. ':posted', u) or '0') + slow * 1000 - now
          if wait > 0 then
            return fail('slow_mode', idstr(wait) .. ' slow mode is on in ' .. r .. ': one message per ' .. slow .. ' s; retry in ' .. wait .. ' ms')
          end
        end
        local replyTo = ARGV[10]
        if replyTo ~= '' and redis.call('EXISTS', msg_key(r, replyTo)) == 0 then
          return fail('message_not_found', 'replyTo ' .. replyTo .. ' is not a message of ' .. r)
        end
        local attached, attachedJson = pending_uploads(r, u, ARGV[23])
        if not attached then return attachedJson end
        local mentioned, mentionsJson = members_among(r, 26)

        local e = next_id()
        local body = ARGV[11]
        if #attached > 0 then body = fill(body, 24, {attachedJson}) end
        local json = wire(e, fill(body, 12, {idstr(e), mentionsJson}))
        append_room(r, e, 'message.created', json)
        redis.call('HSET', msg_key(r, idstr(e)), 'a', u, 't', ARGV[9], 'ts', ARGV[8], 'rt', replyTo, 'm', table.concat(mentioned, ' '))
        if #attached > 0 then
          redis.call('HSET', msg_key(r, idstr(e)), 'at', '[' .. attachedJson .. ']')
          attach(r, attached, e)
        end
        redis.call('ZADD', rk(r) .. ':messages', e, idstr(e))
        redis.call('HINCRBY', rk(r), 'count', 1)
        -- History keeps as many messages as the room log keeps events.
        if redis.call('ZCARD', rk(r) .. ':messages') > MAXROOM then
          local old = redis.call('ZPOPMIN', rk(r) .. ':messages')
          redis.call('DEL', msg_key(r, old[1]))
        end
        if idem then redis.call('SET', idem, idstr(e), 'PX', ARGV[7]) end
        if now then redis.call('HSET', rk(r) .. ':posted', u, idstr(now)) end

        local notification = ARGV[16]
        if notification == 'notification.direct' then
          local other = ARGV[22]
          user_event(other, notification, fill(ARGV[17], 18, {other, idstr(e)}))
        elseif notification == 'notification.mention' then
          for _, m in ipairs(mentioned) do
            redis.call('HINCRBY', uk(m) .. ':mentions', r, 1)
            user_event(m, notification, fill(ARGV[17], 18, {m, idstr(e)}))
          end
        end
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 user, 6 message id, 7 text, 8 editedAt ms, 9 message.edited body, 10-11 hole (mentions), 12.. candidates.
    public const string Edit = ChatLua.Prelude + Helpers + """
        local r, u, id = ARGV[4], ARGV[5], ARGV[6]
        local kind, err = member_of(r, u)
        if err then return err end
        local author = live_author(r, id)
        if not author then return fail('message_not_found', 'message ' .. id .. ' not found in ' .. r) end
        if author ~= u then return fail('forbidden', 'only the author may edit a message') end
        local refused = writable(r, role_of(r, u))
        if refused then return refused end
        local mentioned, mentionsJson = members_among(r, 12)
        local e, json = room_event(r, 'message.edited', fill(ARGV[9], 10, {mentionsJson}))
        redis.call('HSET', msg_key(r, id), 't', ARGV[7], 'ed', ARGV[8], 'm', table.concat(mentioned, ' '))
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 user, 6 message id, 7 message.deleted body.
    public const string Delete = ChatLua.Prelude + Helpers + """
        local r, u, id = ARGV[4], ARGV[5], ARGV[6]
        local kind, err = member_of(r, u)
        if err then return err end
        local author = live_author(r, id)
        if not author then return fail('message_not_found', 'message ' .. id .. ' not found in ' .. r) end
        if author ~= u and role_of(r, u) == 0 then
          return fail('forbidden', 'only the author, a moderator or the owner may delete a message')
        end
        local e, json = room_event(r, 'message.deleted', ARGV[7])
        local m = msg_key(r, id)
        -- A tombstone: the text and what hangs off it go, the place in history stays.
        for _, field in ipairs(redis.call('HKEYS', m)) do
          if string.sub(field, 1, 2) == 'x:' then redis.call('HDEL', m, field) end
        end
        redis.call('HSET', m, 't', '', 'm', '', 'd', '1')
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 user, 6 message id, 7 emoji, 8 '1' add / '0' remove, 9 reaction body.
    public const string React = ChatLua.Prelude + Helpers + """
        local r, u, id, emoji, add = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8] == '1'
        local kind, err = member_of(r, u)
        if err then return err end
        if not live_author(r, id) then return fail('message_not_found', 'message ' .. id .. ' not found in ' .. r) end
        local refused = writable(r, role_of(r, u))
        if refused then return refused end
        local m, field = msg_key(r, id), 'x:' .. emoji
        local users = redis.call('HGET', m, field) or ' '
        local at = string.find(users, ' ' .. u .. ' ', 1, true)
        if (add and at) or (not add and not at) then return {0, 1} end
        local e, json
        if add then
          e, json = room_event(r, 'reaction.added', ARGV[9])
          redis.call('HSET', m, field, users .. u .. ' ')
        else
          e, json = room_event(r, 'reaction.removed', ARGV[9])
          users = string.sub(users, 1, at) .. string.sub(users, at + #u + 2)
          if users == ' ' then redis.call('HDEL', m, field) else redis.call('HSET', m, field, users) end
        end
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 user, 6 event id, 7 read.updated body, 8-9 hole (unread).
    // The cursor stores the room's message count at the cursor, so unread is a subtraction; it never moves back.
    public const string MarkRead = ChatLua.Prelude + """
        local r, u, at = ARGV[4], ARGV[5], tonumber(ARGV[6])
        local kind, err = member_of(r, u)
        if err then return err end
        local last = tonumber(redis.call('HGET', rk(r), 'last') or '0')
        if at > last then return fail('invalid_argument', 'event ' .. ARGV[6] .. ' is after the last event of ' .. r) end
        local cursor = redis.call('HGET', uk(u) .. ':read', r)
        local current = tonumber(string.match(cursor or '0:0', '^(%d+)'))
        if at <= current then return {current, 1} end
        local count = tonumber(redis.call('HGET', rk(r), 'count') or '0')
        local unread = redis.call('ZCOUNT', rk(r) .. ':messages', '(' .. ARGV[6], '+inf')
        redis.call('HSET', uk(u) .. ':read', r, ARGV[6] .. ':' .. idstr(count - unread))
        redis.call('HDEL', uk(u) .. ':mentions', r)
        local e = next_id()
        local json = wire(e, fill(ARGV[7], 8, {idstr(unread)}))
        capped_add(uk(u) .. ':log', uk(u), 'floor', MAXUSER, e, 'e', json)
        outbox(e, 'read.updated', '', u, json)
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 user, 6 before or '', 7 after or '', 8 limit.
    // Returns {hasMore, id1, fields1, id2, fields2, ...}: ascending when paging forward from `after`, else descending.
    public const string History = ChatLua.Prelude + Helpers + """
        local r, u, before, after, limit = ARGV[4], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
        local kind, err = member_of(r, u)
        if err then return err end
        local hi = '+inf'
        if before ~= '' then hi = '(' .. before end
        local ids
        if after ~= '' then
          ids = redis.call('ZRANGEBYSCORE', rk(r) .. ':messages', '(' .. after, hi, 'LIMIT', 0, limit + 1)
        else
          ids = redis.call('ZREVRANGEBYSCORE', rk(r) .. ':messages', hi, '-inf', 'LIMIT', 0, limit + 1)
        end
        local out = {0}
        if #ids > limit then out[1] = 1 end
        for i = 1, math.min(#ids, limit) do
          out[#out + 1] = ids[i]
          out[#out + 1] = redis.call('HGETALL', msg_key(r, ids[i]))
        end
        return out
        """;

    // ARGV: 4 user, 5.. pairs of room id, message id. History's own rule per message: member_of its room now, then the
    // message hash. Returns one item per pair: the hash (HGETALL; empty when gone from history) when the user is a
    // member, else 1 if the message is still in history, 0 if not.
    public const string Visible = ChatLua.Prelude + Helpers + """
        local u = ARGV[4]
        local readable, out = {}, {}
        for i = 5, #ARGV - 1, 2 do
          local r, m = ARGV[i], msg_key(ARGV[i], ARGV[i + 1])
          if readable[r] == nil then
            local _, err = member_of(r, u)
            readable[r] = not err
          end
          if readable[r] then out[#out + 1] = redis.call('HGETALL', m) else out[#out + 1] = redis.call('EXISTS', m) end
        end
        return out
        """;

    // ARGV: 4 room, 5 user. History's refusal for one room (room_not_found, banned, not_member), else 1.
    public const string Readable = ChatLua.Prelude + """
        local _, err = member_of(ARGV[4], ARGV[5])
        if err then return err end
        return 1
        """;
}
