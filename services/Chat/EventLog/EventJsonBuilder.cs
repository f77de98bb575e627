using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// A wire event body without its id (<c>{"type":…}</c>) plus the byte ranges ("holes") the commit script fills with
/// values only Redis knows: the event id itself is prefixed by the script; holes carry e.g. the message id or the
/// mentions that turned out to be members. Each range is [start, end) in bytes; an empty range is an insertion.
/// </summary>
internal readonly record struct EventBody(byte[] Json, int[] Holes);

/// <summary>
/// Builds event bodies with one reused <see cref="Utf8JsonWriter"/> per thread, so an event is serialized once,
/// without reflection, and the only allocation is the final byte array handed to Redis.
/// </summary>
internal sealed class EventJsonBuilder
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Compact UTF-8: non-ASCII text stays as-is rather than \u-escaped; the result is still valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    [ThreadStatic]
    private static EventJsonBuilder? cached;

    private readonly ArrayBufferWriter<byte> buffer = new(512);
    private readonly Utf8JsonWriter writer;
    private readonly List<int> holes = new(8);

    private EventJsonBuilder() => writer = new Utf8JsonWriter(buffer, WriterOptions);

    /// <summary>The writer positioned inside <c>data</c>.</summary>
    public Utf8JsonWriter Data => writer;

    /// <summary>
    /// Starts <c>{"type","room","actor","ts",["user",]"data":{</c>. <paramref name="user"/> is the owner of a personal event;
    /// pass <see cref="UserHole"/> when the script picks the owner (mention notifications).
    /// </summary>
    public static EventJsonBuilder Start(string type, string room, string actor, DateTimeOffset timestamp, string? user = null)
    {
        var builder = cached ??= new EventJsonBuilder();
        builder.buffer.ResetWrittenCount();
        builder.writer.Reset(builder.buffer);
        builder.holes.Clear();

        var w = builder.writer;
        w.WriteStartObject();
        w.WriteString("type"u8, type);
        w.WriteString("room"u8, room);
        w.WriteString("actor"u8, actor);
        Span<char> ts = stackalloc char[24];
        timestamp.UtcDateTime.TryFormat(ts, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        w.WriteString("ts"u8, ts[..written]);
        if (ReferenceEquals(user, UserHole))
        {
            builder.StringHole("user");
        }
        else if (user is not null)
        {
            w.WriteString("user"u8, user);
        }

        w.WriteStartObject("data"u8);
        return builder;
    }

    /// <summary>Marker for <see cref="Start"/>: the owner of this personal event is filled in by the script.</summary>
    public static readonly string UserHole = new('?', 1);

    /// <summary>Writes <c>"name":0</c> and makes the 0 a hole, filled with a number by the script.</summary>
    public void NumberHole(string name)
    {
        writer.WriteNumber(name, 0);
        writer.Flush();
        holes.Add(buffer.WrittenCount - 1);
        holes.Add(buffer.WrittenCount);
    }

    /// <summary>Writes <c>"name":""</c> and makes the inside of the quotes a hole; the script fills in a safe id.</summary>
    public void StringHole(string name)
    {
        writer.WriteString(name, "");
        writer.Flush();
        holes.Add(buffer.WrittenCount - 1);
        holes.Add(buffer.WrittenCount - 1);
    }

    /// <summary>Writes <c>"name":[]</c> and makes the inside of the brackets a hole, filled with quoted ids.</summary>
    public void ArrayHole(string name)
    {
        writer.WriteStartArray(name);
        writer.Flush();
        holes.Add(buffer.WrittenCount);
        holes.Add(buffer.WrittenCount);
        writer.WriteEndArray();
    }

    /// <summary>Closes <c>data</c> and the event and returns the body.</summary>
    public EventBody Finish()
    {
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        var body = new EventBody(buffer.WrittenSpan.ToArray(), [.. holes]);
        if (buffer.Capacity > 64 * 1024)
        {
            // Do not pin a huge buffer to the thread after one unusually large event.
            cached = null;
        }

        return body;
    }
}
