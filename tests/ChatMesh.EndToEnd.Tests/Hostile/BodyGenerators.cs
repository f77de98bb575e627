using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace ChatMesh.EndToEnd.Tests.Hostile;

/// <summary>A generated request body: its bytes and the Content-Type it is sent with (null: none).</summary>
public sealed record HostileBody(byte[] Bytes, string? ContentType)
{
    public override string ToString() =>
        $"{ContentType ?? "(no content type)"} {Encoding.UTF8.GetString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 300)))}{(Bytes.Length > 300 ? $"… ({Bytes.Length} bytes)" : "")}";
}

/// <summary>
/// Hostile JSON bodies for one endpoint: objects with the endpoint's own fields (and others) holding values of any JSON type,
/// those objects truncated or with invalid UTF-8 spliced in, random bytes, deep nesting, huge numbers and strings, bodies
/// over the size limits, and wrong or missing content types.
/// </summary>
internal static class BodyGenerators
{
    private static readonly string[] Numbers =
        ["0", "-1", "1", "42", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400", "1.5", "-0", "1" + new string('0', 300)];

    private static readonly byte[][] InvalidUtf8 = [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF]];

    private static Gen<string> Strings(string[] samples) =>
        Gen.Frequency(
            (4, Gen.OneOf(samples)),
            (3, Gen.String[0, 30]),
            (1, Gen.Int[0, 70_000].Select(n => new string('x', n))),
            (1, Gen.OneOf("", " ", "\u0000", "a\r\nX-Injected: 1", "\ud800", "../../etc/passwd", "😀", "\u202e")));

    private static Gen<string> Value(string[] samples, int depth)
    {
        var scalar = Gen.OneOf(
            Strings(samples).Select(Quote),
            Gen.OneOf(Numbers),
            Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture)),
            Gen.OneOf("true", "false", "null"));
        if (depth == 0)
        {
            return scalar;
        }

        var inner = Value(samples, depth - 1);
        return Gen.Frequency(
            (6, scalar),
            (1, inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Gen.OneOf(samples), inner).Array[0, 3].Select(members => Object(members))));
    }

    /// <summary>Bodies for an endpoint whose fields are <paramref name="fields"/>, with plausible values <paramref name="samples"/>.</summary>
    public static Gen<HostileBody> For(string[] fields, string[] samples, int maxBodyBytes)
    {
        var values = Value(samples, 2);
        var member = Gen.Select(Gen.Frequency((6, Gen.OneOf(fields)), (1, Gen.String[0, 10])), Gen.Frequency((3, Gen.OneOf(samples).Select(Quote)), (4, values)));
        var objects = member.Array[0, 6].Select(members => Object(members));
        var json = Gen.Frequency((6, objects), (1, values)).Select(Encoding.UTF8.GetBytes);
        var mutated = Gen.Select(json, Gen.Int[0, 2], Gen.Double[0, 1], Gen.OneOf(InvalidUtf8)).Select((bytes, kind, where, invalid) =>
        {
            var at = (int)(where * bytes.Length);
            return kind switch
            {
                0 => bytes[..at],
                1 => [.. bytes[..at], .. invalid, .. bytes[at..]],
                _ => [.. bytes[..at], (byte)'\u0001', .. bytes[at..]],
            };
        });
        var deep = Gen.Select(Gen.Int[20, 2000], Gen.Bool).Select((depth, objectsNested) => Encoding.UTF8.GetBytes(objectsNested
            ? string.Concat(Enumerable.Repeat("{\"text\":", depth)) + "1" + new string('}', depth)
            : new string('[', depth) + new string(']', depth)));
        var oversized = Gen.Int[1, 3].Select(extra => Encoding.UTF8.GetBytes("{\"text\":\"" + new string('x', maxBodyBytes * extra) + "\"}"));
        var bytes = Gen.Frequency((6, json), (4, mutated), (1, Gen.Byte.Array[0, 300]), (1, deep), (1, oversized));
        var contentType = Gen.Frequency(
            (12, Gen.Const<string?>("application/json")),
            (1, Gen.OneOf<string?>("text/plain", null, "application/json; charset=utf-16", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")));
        return Gen.Select(bytes, contentType).Select((body, type) => new HostileBody(body, type));
    }

    private static string Object(IEnumerable<(string Name, string Value)> members) =>
        "{" + string.Join(",", members.Select(member => Quote(member.Name) + ":" + member.Value)) + "}";

    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
