using System.Text.Json;

namespace ChatMesh.Chat.Telemetry;

/// <summary>
/// The commit time of a logged event, read from its wire JSON's <c>ts</c> (set by the committing service just before
/// the Redis commit, millisecond precision). Every recipient of an event on this instance shares one read: a small
/// table keyed by event id remembers the last events parsed, so the JSON is scanned about once per event, not once
/// per recipient.
/// </summary>
public static class CommitTimestamps
{
    private const int Slots = 256;

    private static readonly Stamp?[] Recent = new Stamp?[Slots];

    /// <summary>The event's commit time, or null when its JSON carries no readable <c>ts</c>.</summary>
    public static DateTimeOffset? Of(long eventId, ReadOnlySpan<byte> json)
    {
        ref var slot = ref Recent[(int)((ulong)eventId % Slots)];
        var known = Volatile.Read(ref slot);
        if (known is not null && known.EventId == eventId)
        {
            return known.At;
        }

        var at = Read(json);
        Volatile.Write(ref slot, new Stamp(eventId, at));
        return at;
    }

    /// <summary>Scans the top-level properties up to <c>ts</c> (it precedes <c>data</c>, so the message body is never read).</summary>
    private static DateTimeOffset? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTimestamp = reader.ValueTextEquals("ts"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isTimestamp)
                {
                    return reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at) ? at : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not our wire format: no latency for this event.
        }

        return null;
    }

    private sealed record Stamp(long EventId, DateTimeOffset? At);
}
