using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>Room reads: pipelined, no scripts.</summary>
public sealed partial class RedisChatService
{
    public async Task<bool> IsMemberAsync(string user, string room, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(user, "user");
        ChatIds.RequireRoom(room);
        return await Db.HashExistsAsync(ChatKeys.Members(room), user).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<RoomSummary> GetRoomAsync(string actor, string room, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        var batch = Db.CreateBatch();
        var hash = batch.HashGetAllAsync(ChatKeys.Room(room));
        var member = batch.HashExistsAsync(ChatKeys.Members(room), actor);
        var invited = batch.SetContainsAsync(ChatKeys.Room(room, "invited"), actor);
        batch.Execute();
        await Task.WhenAll(hash, member, invited).WaitAsync(cancellationToken).ConfigureAwait(false);
        var (fields, isMember, isInvited) = (await hash.ConfigureAwait(false), await member.ConfigureAwait(false), await invited.ConfigureAwait(false));

        if (fields.Length == 0)
        {
            throw new ChatException(ChatError.RoomNotFound, $"room {room} does not exist");
        }

        var summary = ParseRoom(room, fields);
        // Private and direct rooms are visible to their members and, for private rooms, to whoever is invited.
        if (summary.Kind != RoomKind.Public && !isMember && !isInvited)
        {
            throw new ChatException(ChatError.NotMember, $"not a member of {room}");
        }

        return summary;
    }

    public async Task<IReadOnlyList<MyRoom>> ListMyRoomsAsync(string actor, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        var db = Db;
        var batch = db.CreateBatch();
        var rooms = batch.HashKeysAsync(ChatKeys.UserRooms(actor));
        var reads = batch.HashGetAllAsync(ChatKeys.User(actor, "read"));
        var mentions = batch.HashGetAllAsync(ChatKeys.User(actor, "mentions"));
        batch.Execute();
        await Task.WhenAll(rooms, reads, mentions).WaitAsync(cancellationToken).ConfigureAwait(false);

        var summaries = await GetSummariesAsync(db, await rooms.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var readByRoom = (await reads.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var mentionsByRoom = (await mentions.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
        List<MyRoom> mine = new(summaries.Count);
        foreach (var summary in summaries)
        {
            var (lastRead, countAtRead) = ParseCursor(readByRoom.GetValueOrDefault(summary.Id));
            mine.Add(new MyRoom(summary, lastRead, Math.Max(0, summary.MessageCount - countAtRead), mentionsByRoom.GetValueOrDefault(summary.Id)));
        }

        return mine;
    }

    public async Task<IReadOnlyList<RoomSummary>> ListPublicRoomsAsync(string actor, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        var db = Db;
        var ids = await db.SetMembersAsync(ChatKeys.PublicRooms).WaitAsync(cancellationToken).ConfigureAwait(false);
        // A room the actor is banned from would only refuse the join: it is not listed to them.
        var batch = db.CreateBatch();
        var bans = ids.Select(id => batch.SetContainsAsync(ChatKeys.Banned((string)id!), actor)).ToArray();
        batch.Execute();
        var banned = await Task.WhenAll(bans).WaitAsync(cancellationToken).ConfigureAwait(false);
        var open = ids.Where((_, i) => !banned[i]).ToArray();
        return await GetSummariesAsync(db, open, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> GetMembersAsync(string actor, string room, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        var batch = Db.CreateBatch();
        var exists = batch.KeyExistsAsync(ChatKeys.Room(room));
        var members = batch.HashKeysAsync(ChatKeys.Members(room));
        batch.Execute();
        await Task.WhenAll(exists, members).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!await exists.ConfigureAwait(false))
        {
            throw new ChatException(ChatError.RoomNotFound, $"room {room} does not exist");
        }

        var names = (await members.ConfigureAwait(false)).Select(m => (string)m!).ToList();
        if (!names.Contains(actor, StringComparer.Ordinal))
        {
            throw new ChatException(ChatError.NotMember, $"not a member of {room}");
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static async Task<List<RoomSummary>> GetSummariesAsync(IDatabase db, RedisValue[] ids, CancellationToken cancellationToken)
    {
        var batch = db.CreateBatch();
        var hashes = ids.Select(id => (Id: (string)id!, Hash: batch.HashGetAllAsync(ChatKeys.Room((string)id!)))).ToList();
        batch.Execute();
        var results = await Task.WhenAll(hashes.Select(h => h.Hash)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return hashes.Zip(results, (h, fields) => (h.Id, Fields: fields))
            .Where(h => h.Fields.Length > 0)
            .Select(h => ParseRoom(h.Id, h.Fields))
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>A read cursor is stored as <c>{eventId}:{messageCountAtThatEvent}</c>.</summary>
    private static (long EventId, long CountAt) ParseCursor(string? cursor)
    {
        if (cursor is null)
        {
            return (0, 0);
        }

        var colon = cursor.IndexOf(':', StringComparison.Ordinal);
        return (long.Parse(cursor.AsSpan(0, colon), provider: null), long.Parse(cursor.AsSpan(colon + 1), provider: null));
    }

    private static RoomSummary ParseRoom(string id, RedisResult[] flat)
    {
        var entries = new HashEntry[flat.Length / 2];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new HashEntry((RedisValue)flat[2 * i], (RedisValue)flat[(2 * i) + 1]);
        }

        return ParseRoom(id, entries);
    }

    private static RoomSummary ParseRoom(string id, HashEntry[] hash)
    {
        string name = id, owner = "", topic = "", kind = "";
        long createdAt = 0, last = 0, count = 0, members = 0;
        int slow = 0;
        var readOnly = false;
        List<string> moderators = [];
        foreach (var entry in hash)
        {
            var field = (string)entry.Name!;
            if (field.StartsWith("mod:", StringComparison.Ordinal))
            {
                moderators.Add(field[4..]);
                continue;
            }

            switch (field)
            {
                case "name": name = (string)entry.Value!; break;
                case "kind": kind = (string)entry.Value!; break;
                case "owner": owner = (string)entry.Value!; break;
                case "topic": topic = (string)entry.Value!; break;
                case "createdAt": createdAt = (long)entry.Value; break;
                case "last": last = (long)entry.Value; break;
                case "count": count = (long)entry.Value; break;
                case "members": members = (long)entry.Value; break;
                case "readOnly": readOnly = entry.Value == "1"; break;
                case "slow": slow = (int)entry.Value; break;
                default: break;
            }
        }

        moderators.Sort(StringComparer.Ordinal);
        return new RoomSummary(id, name, ParseKind(kind), owner, topic.Length == 0 ? null : topic,
            DateTimeOffset.FromUnixTimeMilliseconds(createdAt), last, count, members, moderators, readOnly, slow);
    }
}
