using System.Globalization;
using System.Text;
using CsCheck;

namespace ChatMesh.Gateway.Tests.Hostile;

/// <summary>One client message as it crosses the wire: its bytes and whether it is a text or a binary message.</summary>
public sealed record WireMessage(byte[] Bytes, bool Binary)
{
    public override string ToString() =>
        (Binary ? "binary " : "text ") + Convert.ToHexString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 96))) + (Bytes.Length > 96 ? $"… ({Bytes.Length} bytes)" : "");
}

/// <summary>
/// Hostile <c>chatmesh.v1</c> client frames: random bytes, well-formed frames of every type with values of every JSON
/// type, and those frames mutated (truncated, bytes flipped, invalid UTF-8 spliced in), deep nesting and huge numbers.
/// </summary>
internal static class FrameGenerators
{
    /// <summary>Every client frame type except <c>subscribe</c>, whose replay needs a live hub (covered end to end).</summary>
    private static readonly string[] Types =
        ["send", "edit", "delete", "react", "unreact", "read", "typing", "join", "leave", "ping", "auth", "", "SEND", "subscribe ", "nope"];

    private static readonly string[] Fields =
        ["type", "ref", "room", "text", "replyTo", "key", "messageId", "emoji", "eventId", "after", "token", "user", "status", "Room", "__proto__"];

    /// <summary>Byte sequences that are not UTF-8: a lone continuation, an overlong slash, a surrogate, a truncated sequence, 0xFF.</summary>
    private static readonly byte[][] InvalidUtf8 =
        [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80]];

    private static readonly string[] Numbers =
        ["0", "-1", "1", "42", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999",
         "1e400", "-1e400", "1.5", "1E2", "-0", "0.0000001", "1" + new string('0', 400), "0x10", "NaN", "Infinity", "01"];

    private static readonly Gen<string> Text =
        Gen.OneOf(Gen.String[0, 40], Gen.Char["a-z0-9:_.-"].Array[1, 40].Select(chars => new string(chars)), Gen.Const("general"),
            Gen.OneOf("\u0000", "\ud800", "a\r\nb", "\u202e", "😀"));

    /// <summary>Also strings up to 20 000 characters (over the domain's message length); three of them fit in one frame.</summary>
    private static readonly Gen<string> LongText = Gen.Frequency((4, Text), (1, Gen.Int[0, 20_000].Select(n => new string('x', n))));

    /// <summary>A JSON value of any type, nested at most <paramref name="depth"/> levels.</summary>
    private static Gen<string> Value(int depth)
    {
        var scalar = Gen.OneOf(
            Text.Select(Quote),
            Gen.OneOf(Numbers),
            Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
            Gen.OneOf("true", "false", "null"));
        if (depth == 0)
        {
            return scalar;
        }

        var inner = Value(depth - 1);
        return Gen.Frequency(
            (6, scalar),
            (1, inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Gen.OneOf(Fields), inner).Array[0, 4].Select(members => Object(members))));
    }

    /// <summary>A frame object: a type (usually a real one) and a few members of any name and value.</summary>
    private static readonly Gen<string> ObjectFrame =
        Gen.Select(
                Gen.Frequency((8, Gen.OneOf(Types).Select(Quote)), (1, Value(1))),
                Gen.Select(Gen.OneOf(Fields), Gen.Frequency((3, Gen.OneOf("\"general\"", "\"elsewhere\"", "7", "\"r-1\"")), (4, Value(2)))).Array[0, 7])
            .Select((type, members) => Object([("type", type), .. members]));

    /// <summary>A frame whose members have the right JSON types, so it reaches the frame handler and the domain.</summary>
    private static readonly Gen<string> WellTyped =
        Gen.Select(Gen.OneOf(Types), Gen.OneOf("general", "elsewhere", "", "dm:a:b"), LongText, Gen.OneOf(Numbers.Take(4).ToArray()),
                Gen.String[0, 80])
            .Select((type, room, text, number, reference) => Object(
            [
                ("type", Quote(type)), ("ref", Quote(reference)), ("room", Quote(room)), ("text", Quote(text)), ("messageId", number),
                ("eventId", number), ("emoji", Quote(text)), ("key", Quote(reference)), ("token", Quote(text)),
            ]));

    private static readonly Gen<byte[]> ValidBytes = Gen.OneOf(ObjectFrame, WellTyped).Select(Encoding.UTF8.GetBytes);

    /// <summary>A valid frame changed in one place: cut short, a byte replaced, invalid UTF-8 or a control byte spliced in.</summary>
    private static readonly Gen<byte[]> Mutated =
        Gen.Select(ValidBytes, Gen.Int[0, 3], Gen.Double[0, 1], Gen.Byte, Gen.OneOf(InvalidUtf8)).Select((bytes, kind, where, value, invalid) =>
        {
            var at = (int)(where * bytes.Length);
            return kind switch
            {
                0 => bytes[..at],
                1 when bytes.Length > 0 => [.. bytes[..Math.Min(at, bytes.Length - 1)], value, .. bytes[(Math.Min(at, bytes.Length - 1) + 1)..]],
                2 => [.. bytes[..at], .. invalid, .. bytes[at..]],
                _ => [.. bytes[..at], (byte)(value % 32), .. bytes[at..]],
            };
        });

    /// <summary>Arrays or objects nested 1 to 300 deep, alone or as a member of a send frame.</summary>
    private static readonly Gen<byte[]> DeepNesting =
        Gen.Select(Gen.Int[1, 300], Gen.Bool, Gen.Bool).Select((depth, objects, wrapped) =>
        {
            var open = objects ? "{\"a\":" : "[";
            var close = objects ? "}" : "]";
            var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
            return Encoding.UTF8.GetBytes(wrapped ? $"{{\"type\":\"send\",\"room\":\"general\",\"text\":{nested}}}" : nested);
        });

    /// <summary>A field that takes a number given a number no 64-bit integer holds, or one of another shape.</summary>
    private static readonly Gen<byte[]> HugeNumbers =
        Gen.Select(Gen.OneOf("read", "edit", "delete", "send", "react"), Gen.OneOf("eventId", "messageId", "replyTo", "after"), Gen.OneOf(Numbers))
            .Select((type, field, number) => Encoding.UTF8.GetBytes(
                $"{{\"type\":\"{type}\",\"room\":\"general\",\"text\":\"t\",\"emoji\":\"x\",\"{field}\":{number}}}"));

    /// <summary>Every kind of hostile message, a few of them binary.</summary>
    public static readonly Gen<WireMessage> Message =
        Gen.Select(
            Gen.Frequency(
                (2, Gen.Byte.Array[0, 256]),
                (4, ValidBytes),
                (4, Mutated),
                (1, DeepNesting),
                (1, HugeNumbers),
                (1, Gen.OneOf("", "null", "[]", "\"ping\"", "{}", "{\"type\":null}", "1", "{\"type\":\"ping\"}{", "{\"type\":\"ping\",\"type\":\"send\"}")
                    .Select(Encoding.UTF8.GetBytes))),
            Gen.Int[0, 19])
        .Select((bytes, binary) => new WireMessage(bytes, binary == 0));

    private static string Object(IEnumerable<(string Name, string Value)> members) =>
        "{" + string.Join(",", members.Select(member => Quote(member.Name) + ":" + member.Value)) + "}";

    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
