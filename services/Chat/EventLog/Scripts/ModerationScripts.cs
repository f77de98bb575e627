namespace ChatMesh.Chat.EventLog.Scripts;

/// <summary>
/// Roles and moderation. Roles: 2 owner (the creator), 1 moderator, 0 member (<c>role_of</c> in the prelude). Each
/// script checks the actor's role against the target's in the same script that writes, so no write path can race a
/// role change. Commands return <c>{E, duplicate, json}</c>; a no-op (already so) returns <c>{0, 1}</c>.
/// </summary>
internal static class ModerationScripts
{
    // The actor is a member of a room that is not direct and holds at least role `need`; returns the actor's role.
    private const string Helpers = """
        local function moderator_of(r, u, need)
          local kind, err = member_of(r, u)
          if err then return nil, err end
          if kind == 'direct' then return nil, fail('forbidden', 'a direct room has no moderation') end
          local role = role_of(r, u)
          if role < need then
            if need == 2 then return nil, fail('not_owner', 'only the owner of ' .. r .. ' may do this') end
            return nil, fail('not_moderator', 'only a moderator or the owner of ' .. r .. ' may do this')
          end
          return role
        end

        -- The target of a kick or ban: not the actor, and of a lower role (the owner outranks everyone).
        local function target_below(r, actor, role, target)
          if target == actor then return fail('invalid_argument', 'moderators cannot act on themselves; leave the room instead') end
          if role_of(r, target) >= role then
            return fail('outranked', target .. ' has the same or a higher role in ' .. r)
          end
          return nil
        end

        """;

    // ARGV: 4 room, 5 owner, 6 target, 7 'moderator' | 'member', 8 role.updated body.
    public const string SetRole = ChatLua.Prelude + Helpers + """
        local r, u, target, role = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
        local _, err = moderator_of(r, u, 2)
        if err then return err end
        if target == u then return fail('invalid_argument', 'the owner keeps the owner role') end
        if redis.call('HEXISTS', rk(r) .. ':members', target) == 0 then
          return fail('invalid_argument', target .. ' is not a member of ' .. r)
        end
        local is = redis.call('HEXISTS', rk(r), 'mod:' .. target) == 1
        if (role == 'moderator') == is then return {0, 1} end
        if role == 'moderator' then redis.call('HSET', rk(r), 'mod:' .. target, '1') else redis.call('HDEL', rk(r), 'mod:' .. target) end
        local e, json = room_event(r, 'role.updated', ARGV[8])
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 moderator, 6 target, 7 member.left (reason kicked), 8 the target's personal copy.
    public const string Kick = ChatLua.Prelude + Helpers + """
        local r, u, target = ARGV[4], ARGV[5], ARGV[6]
        local role, err = moderator_of(r, u, 1)
        if err then return err end
        if redis.call('HEXISTS', rk(r) .. ':members', target) == 0 then
          return fail('invalid_argument', target .. ' is not a member of ' .. r)
        end
        local refused = target_below(r, u, role, target)
        if refused then return refused end
        local e, json = remove_member(r, target, ARGV[7], ARGV[8])
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 moderator, 6 target, 7 member.left (reason banned), 8 the target's personal copy, 9 member.banned.
    // A member is removed first (member.left, then member.banned); anyone may be banned ahead of joining.
    public const string Ban = ChatLua.Prelude + Helpers + """
        local r, u, target = ARGV[4], ARGV[5], ARGV[6]
        local role, err = moderator_of(r, u, 1)
        if err then return err end
        local refused = target_below(r, u, role, target)
        if refused then return refused end
        if redis.call('SISMEMBER', rk(r) .. ':banned', target) == 1 then return {0, 1} end
        if redis.call('HEXISTS', rk(r) .. ':members', target) == 1 then remove_member(r, target, ARGV[7], ARGV[8]) end
        redis.call('SADD', rk(r) .. ':banned', target)
        redis.call('SREM', rk(r) .. ':invited', target)
        local e, json = room_event(r, 'member.banned', ARGV[9])
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 moderator, 6 target, 7 member.unbanned. Unbanning does not re-add: the user may join (or be invited) again.
    public const string Unban = ChatLua.Prelude + Helpers + """
        local r, u, target = ARGV[4], ARGV[5], ARGV[6]
        local _, err = moderator_of(r, u, 1)
        if err then return err end
        if redis.call('SREM', rk(r) .. ':banned', target) == 0 then return {0, 1} end
        local e, json = room_event(r, 'member.unbanned', ARGV[7])
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 moderator, 6 name or '' (unchanged), 7 '1' when the topic changes, 8 topic, 9 readOnly '' | '0' | '1',
    // 10 slow mode seconds or '' (unchanged), 11 room.updated body (only the changed fields).
    public const string Update = ChatLua.Prelude + Helpers + """
        local r, u = ARGV[4], ARGV[5]
        local _, err = moderator_of(r, u, 1)
        if err then return err end
        if ARGV[6] ~= '' then redis.call('HSET', rk(r), 'name', ARGV[6]) end
        if ARGV[7] == '1' then redis.call('HSET', rk(r), 'topic', ARGV[8]) end
        if ARGV[9] ~= '' then redis.call('HSET', rk(r), 'readOnly', ARGV[9]) end
        if ARGV[10] ~= '' then redis.call('HSET', rk(r), 'slow', ARGV[10]) end
        local e, json = room_event(r, 'room.updated', ARGV[11])
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 member. Returns {bannedUsers...} for moderators only.
    public const string Bans = ChatLua.Prelude + Helpers + """
        local _, err = moderator_of(ARGV[4], ARGV[5], 1)
        if err then return err end
        return redis.call('SMEMBERS', rk(ARGV[4]) .. ':banned')
        """;
}
