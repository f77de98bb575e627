namespace ChatMesh.Chat.EventLog.Scripts;

/// <summary>Room lifecycle scripts. Each returns the room hash, or <c>{E, duplicate, json}</c> for commands.</summary>
internal static class RoomScripts
{
    // ARGV: 4 room, 5 owner, 6 name, 7 kind, 8 topic, 9 createdAt ms, 10 room.created, 11 member.joined, 12 personal copy.
    public const string Create = ChatLua.Prelude + """
        local r, owner = ARGV[4], ARGV[5]
        if redis.call('EXISTS', rk(r)) == 1 then return fail('room_exists', 'room ' .. r .. ' already exists') end
        redis.call('HSET', rk(r), 'name', ARGV[6], 'kind', ARGV[7], 'owner', owner, 'topic', ARGV[8],
          'createdAt', ARGV[9], 'count', '0', 'members', '0')
        if ARGV[7] == 'public' then redis.call('SADD', PUBLIC_ROOMS_KEY, r) end
        local created = room_event(r, 'room.created', ARGV[10])
        join(r, owner, created, ARGV[11], ARGV[12])
        return redis.call('HGETALL', rk(r))
        """;

    // ARGV: 4 room, 5 opener, 6 other, 7 createdAt ms, 8 room.created, 9/10 joined+copy of opener, 11/12 of the other.
    public const string OpenDirect = ChatLua.Prelude + """
        local r = ARGV[4]
        if redis.call('EXISTS', rk(r)) == 0 then
          redis.call('HSET', rk(r), 'name', r, 'kind', 'direct', 'owner', ARGV[5], 'topic', '',
            'createdAt', ARGV[7], 'count', '0', 'members', '0')
          local created = room_event(r, 'room.created', ARGV[8])
          join(r, ARGV[5], created, ARGV[9], ARGV[10])
          join(r, ARGV[6], created, ARGV[11], ARGV[12])
        end
        return redis.call('HGETALL', rk(r))
        """;

    // ARGV: 4 room, 5 user, 6 member.joined, 7 personal copy.
    public const string Join = ChatLua.Prelude + """
        local r, u = ARGV[4], ARGV[5]
        local kind = redis.call('HGET', rk(r), 'kind')
        if not kind then return fail('room_not_found', 'room ' .. r .. ' does not exist') end
        local at = redis.call('HGET', rk(r) .. ':members', u)
        if at then return {tonumber(at), 1} end
        if kind == 'direct' then return fail('forbidden', 'a direct room cannot be joined') end
        if redis.call('SISMEMBER', rk(r) .. ':banned', u) == 1 then return fail('banned', 'banned from ' .. r) end
        if kind == 'private' and redis.call('HGET', rk(r), 'owner') ~= u
          and redis.call('SISMEMBER', rk(r) .. ':invited', u) == 0 then
          return fail('forbidden', 'room ' .. r .. ' is private: an invitation is required')
        end
        local e, json = join(r, u, nil, ARGV[6], ARGV[7])
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 user, 6 member.left, 7 personal copy.
    public const string Leave = ChatLua.Prelude + """
        local r, u = ARGV[4], ARGV[5]
        local kind, err = member_of(r, u)
        if err then return err end
        if kind == 'direct' then return fail('forbidden', 'a direct room cannot be left') end
        local e, json = remove_member(r, u, ARGV[6], ARGV[7])
        return {e, 0, json}
        """;

    // ARGV: 4 room, 5 inviter, 6 invitee, 7 member.invited, 8 notification.invite.
    public const string Invite = ChatLua.Prelude + """
        local r, u, invitee = ARGV[4], ARGV[5], ARGV[6]
        local kind, err = member_of(r, u)
        if err then return err end
        if kind == 'direct' then return fail('forbidden', 'nobody can be invited to a direct room') end
        if redis.call('HEXISTS', rk(r) .. ':members', invitee) == 1 then
          return fail('invalid_argument', invitee .. ' is already a member of ' .. r)
        end
        if redis.call('SISMEMBER', rk(r) .. ':banned', invitee) == 1 then
          return fail('banned', invitee .. ' is banned from ' .. r .. ': a moderator must unban them first')
        end
        redis.call('SADD', rk(r) .. ':invited', invitee)
        local e, json = room_event(r, 'member.invited', ARGV[7])
        user_event(invitee, 'notification.invite', ARGV[8])
        return {e, 0, json}
        """;
}
