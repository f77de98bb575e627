using System.Buffers;
using System.Text.Json;
using ChatMesh.Chat.Events;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// The whole body of the most common answer under fan-out, one event and the cursor at it
/// (<c>{"events":[E],"lastEventId":E.id,"heartbeat":false}</c>), built once per event and written as the same bytes to
/// every poll it wakes. It keeps the latest event only: polls woken by several events get their own answer. The same
/// goes for an answer without events (<c>{"events":[],"lastEventId":N,"heartbeat":bool}</c>): the polls of one room
/// time out at the same cursor, so their heartbeats are one body too.
/// </summary>
internal static class SharedAnswer
{
    private static Entry? s_latest;

    // The latest eventless body, one per heartbeat flag ([0] empty, [1] heartbeat).
    private static readonly Empty?[] s_empty = new Empty?[2];

    /// <summary>The shared body for <paramref name="batch"/>, or null when it is neither a one-event nor an eventless answer.</summary>
    public static ReadOnlyMemory<byte>? For(PollBatch batch)
    {
        if (batch.Reset)
        {
            return null;
        }

        if (batch.Events.Count == 0)
        {
            return EmptyBody(batch);
        }

        if (batch.Events.Count != 1 || batch.Heartbeat || batch.LastEventId != batch.Events[0].Id)
        {
            return null;
        }

        var stored = batch.Events[0];
        var latest = Volatile.Read(ref s_latest);
        if (latest is not null && latest.Id == stored.Id && latest.Json.Equals(stored.Json))
        {
            return latest.Body;
        }

        var entry = new Entry(stored.Id, stored.Json, Build(stored));
        Volatile.Write(ref s_latest, entry);
        return entry.Body;
    }

    /// <summary>Writes the answer shape of <see cref="PollResult"/>.</summary>
    public static void Write(Utf8JsonWriter writer, PollBatch batch)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("events"u8);
        foreach (var stored in batch.Events)
        {
            // The log validated these bytes when it built them at commit.
            writer.WriteRawValue(stored.Json.Span, skipInputValidation: true);
        }

        writer.WriteEndArray();
        writer.WriteNumber("lastEventId"u8, batch.LastEventId);
        writer.WriteBoolean("heartbeat"u8, batch.Heartbeat);
        if (batch.Reset)
        {
            writer.WriteBoolean("reset"u8, true);
            writer.WriteNumber("head"u8, batch.Head);
        }

        writer.WriteEndObject();
    }

    private static byte[] EmptyBody(PollBatch batch)
    {
        var slot = batch.Heartbeat ? 1 : 0;
        var latest = Volatile.Read(ref s_empty[slot]);
        if (latest is not null && latest.LastEventId == batch.LastEventId)
        {
            return latest.Body;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, batch);
        }

        var entry = new Empty(batch.LastEventId, buffer.WrittenSpan.ToArray());
        Volatile.Write(ref s_empty[slot], entry);
        return entry.Body;
    }

    private static byte[] Build(StoredEvent stored)
    {
        var buffer = new ArrayBufferWriter<byte>(stored.Json.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, new PollBatch([stored], stored.Id, Heartbeat: false, Reset: false, stored.Id));
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed record Entry(long Id, ReadOnlyMemory<byte> Json, byte[] Body);

    private sealed record Empty(long LastEventId, byte[] Body);
}
