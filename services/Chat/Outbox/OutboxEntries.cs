using System.Globalization;
using ChatMesh.Chat.Events;
using StackExchange.Redis;

namespace ChatMesh.Chat.Outbox;

/// <summary>Reads outbox entries (stream id <c>E-0</c>, fields t/r/u/e) into the bus event they become.</summary>
public static class OutboxEntries
{
    /// <summary>The stream id the event log gives event <paramref name="id"/>.</summary>
    public static string StreamId(long id) => id.ToString(CultureInfo.InvariantCulture) + "-0";

    /// <summary>The event id of a stream id <c>E-0</c>; 0 when it is not one.</summary>
    public static long EventId(string? streamId)
    {
        if (streamId is null)
        {
            return 0;
        }
        var dash = streamId.IndexOf('-', StringComparison.Ordinal);
        var digits = dash < 0 ? streamId.AsSpan() : streamId.AsSpan(0, dash);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;
    }

    /// <summary>Reads the entries with ids in [<paramref name="fromId"/>, <paramref name="toId"/>], oldest first.</summary>
    public static async Task<List<ChatEventPublished>> ReadRangeAsync(IDatabaseAsync database, long fromId, long toId, int count)
    {
        var entries = await database.StreamRangeAsync(OutboxKeys.Stream, StreamId(fromId), StreamId(toId), count).ConfigureAwait(false);
        var events = new List<ChatEventPublished>(entries.Length);
        foreach (var entry in entries)
        {
            if (TryRead(entry, out var published))
            {
                events.Add(published);
            }
        }
        return events;
    }

    /// <summary>The id of the newest entry in the outbox (0 if it is empty).</summary>
    public static async Task<long> ReadNewestIdAsync(IDatabaseAsync database)
    {
        var newest = await database.StreamRangeAsync(OutboxKeys.Stream, "-", "+", 1, Order.Descending).ConfigureAwait(false);
        return newest.Length == 0 ? 0 : EventId(newest[0].Id.ToString());
    }

    /// <summary>Turns one XRANGE entry into the bus event; false for an entry that is not in the documented format.</summary>
    public static bool TryRead(StreamEntry entry, out ChatEventPublished published)
    {
        string? type = null, room = null, user = null, traceParent = null;
        byte[]? json = null;
        foreach (var field in entry.Values)
        {
            Assign(field.Name.ToString(), field.Value, ref type, ref room, ref user, ref json, ref traceParent);
        }
        return TryCreate(EventId(entry.Id.ToString()), type, room, user, json, traceParent, out published);
    }

    /// <summary>Turns one entry of an XREAD reply (<c>[id, [field, value, …]]</c>) into the bus event.</summary>
    public static bool TryRead(RedisResult entry, out ChatEventPublished published)
    {
        published = null!;
        if (entry.Resp2Type != ResultType.Array || entry.Length < 2)
        {
            return false;
        }
        string? type = null, room = null, user = null, traceParent = null;
        byte[]? json = null;
        var fields = entry[1];
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            Assign(fields[i].ToString(), (RedisValue)fields[i + 1], ref type, ref room, ref user, ref json, ref traceParent);
        }
        return TryCreate(EventId(entry[0].ToString()), type, room, user, json, traceParent, out published);
    }

    private static void Assign(string name, RedisValue value, ref string? type, ref string? room, ref string? user, ref byte[]? json, ref string? traceParent)
    {
        switch (name)
        {
            case OutboxFields.Type: type = value.ToString(); break;
            case OutboxFields.Room: room = value.IsNullOrEmpty ? null : value.ToString(); break;
            case OutboxFields.User: user = value.IsNullOrEmpty ? null : value.ToString(); break;
            case OutboxFields.Json: json = (byte[]?)value; break;
            case OutboxFields.TraceParent: traceParent = value.IsNullOrEmpty ? null : value.ToString(); break;
        }
    }

    private static bool TryCreate(long id, string? type, string? room, string? user, byte[]? json, string? traceParent, out ChatEventPublished published)
    {
        published = null!;
        if (id <= 0 || string.IsNullOrEmpty(type) || json is null)
        {
            return false;
        }
        published = new ChatEventPublished(id, type, room, user, json, traceParent);
        return true;
    }
}
