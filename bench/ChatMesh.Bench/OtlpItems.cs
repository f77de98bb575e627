namespace ChatMesh.Bench;

/// <summary>
/// Counts the items of an OTLP export request without a protobuf library. The three requests share one shape:
/// <c>Export…ServiceRequest { repeated Resource… = 1 }</c>, <c>Resource… { resource = 1; repeated Scope… = 2 }</c>,
/// <c>Scope… { scope = 1; repeated item = 2 }</c>, the item being a span, a metric or a log record.
/// </summary>
internal static class OtlpItems
{
    private const int LengthDelimited = 2;

    /// <summary>The items (field 2 of each field 2 of each field 1); malformed input counts what was read before it.</summary>
    public static long Count(ReadOnlySpan<byte> request)
    {
        long count = 0;
        foreach (var resource in Fields(request, 1))
        {
            foreach (var scope in Fields(request.Slice(resource.Start, resource.Length), 2))
            {
                count += Fields(request.Slice(resource.Start + scope.Start, scope.Length), 2).Count;
            }
        }

        return count;
    }

    /// <summary>The (offset, length) of every length-delimited field <paramref name="number"/> at the top level of <paramref name="message"/>.</summary>
    private static List<(int Start, int Length)> Fields(ReadOnlySpan<byte> message, int number)
    {
        var found = new List<(int, int)>();
        var at = 0;
        while (at < message.Length && TryVarint(message, ref at, out var tag))
        {
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0 when TryVarint(message, ref at, out _):
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case LengthDelimited when TryVarint(message, ref at, out var length) && length <= (ulong)(message.Length - at):
                    if ((int)(tag >> 3) == number)
                    {
                        found.Add((at, (int)length));
                    }

                    at += (int)length;
                    break;
                default:
                    return found;
            }
        }

        return found;
    }

    private static bool TryVarint(ReadOnlySpan<byte> message, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < message.Length; shift += 7)
        {
            var b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
