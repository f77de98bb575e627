using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.EventLog.Scripts;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Attachment scripts. An upload is the hash <c>chat:room:{r}:att:{id}</c> (u uploader, j its JSON as messages carry it,
/// h the SHA-256 of its bytes, m the id of the message that references it), expiring until a message references it.
/// </summary>
internal static class AttachmentScripts
{
    // ARGV: 4 room, 5 uploader, 6 attachment id, 7 its JSON, 8 sha-256, 9 pending ttl ms, 10 now ms. Also records the
    // attachment as a reference of its blob (BlobIndex), so the sweeper keeps the bytes while it lives.
    public const string Add = ChatLua.Prelude + $"""
        local r, u, id = ARGV[4], ARGV[5], ARGV[6]
        local kind, err = member_of(r, u)
        if err then return err end
        local key = rk(r) .. ':att:' .. id
        if redis.call('EXISTS', key) == 1 then return fail('invalid_argument', 'attachment id ' .. id .. ' is taken') end
        redis.call('HSET', key, 'u', u, 'j', ARGV[7], 'h', ARGV[8])
        redis.call('PEXPIRE', key, ARGV[9])
        redis.call('SADD', '{ChatKeys.Blobs.RefsPrefix}' .. ARGV[8], r .. ' ' .. id)
        redis.call('ZADD', '{ChatKeys.Blobs.Index}', ARGV[10], ARGV[8])
        return 1
        """;

    // ARGV: 4 room, 5 reader, 6 attachment id. Nil unless the reader is a member and the attachment is visible to them:
    // their own pending upload, or referenced by a message that is still in history and not deleted.
    public const string Find = ChatLua.Prelude + """
        local r, u, id = ARGV[4], ARGV[5], ARGV[6]
        local kind, err = member_of(r, u)
        if err then return false end
        local a = redis.call('HMGET', rk(r) .. ':att:' .. id, 'u', 'j', 'h', 'm')
        if not a[1] then return false end
        if not a[4] then
          if a[1] ~= u then return false end
        else
          local m = redis.call('HMGET', rk(r) .. ':msg:' .. a[4], 'a', 'd')
          if not m[1] or m[2] == '1' then return false end
        end
        return {a[1], a[2], a[3], a[4] or ''}
        """;

    /// <summary>
    /// Lua for the post script: checks that every id in a space-separated list is a pending upload of <c>u</c> in <c>r</c>,
    /// and returns them with their JSON joined (the inside of the message's <c>attachments</c> array), or nil and an error.
    /// </summary>
    public const string PostHelpers = """
        local function att_key(r, id) return rk(r) .. ':att:' .. id end
        local function pending_uploads(r, u, list)
          local ids, jsons = {}, {}
          for id in string.gmatch(list, '%S+') do
            local a = redis.call('HMGET', att_key(r, id), 'u', 'j', 'm')
            if a[1] ~= u or a[3] then
              return nil, fail('attachment_not_found', 'attachment ' .. id .. ' is not an unsent upload of yours in ' .. r)
            end
            ids[#ids + 1] = id
            jsons[#jsons + 1] = a[2]
          end
          return ids, table.concat(jsons, ',')
        end
        -- Ties the uploads to message e for good: they stop expiring, and downloads follow the message (deleted: hidden).
        local function attach(r, ids, e)
          for _, id in ipairs(ids) do
            redis.call('HSET', att_key(r, id), 'm', idstr(e))
            redis.call('PERSIST', att_key(r, id))
          end
        end

        """;
}
