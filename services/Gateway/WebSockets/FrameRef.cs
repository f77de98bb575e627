using System.Text.Json;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Reads just the top-level <c>ref</c> of a client message that is refused before it is parsed (rate limited), so
/// the error frame can name it. No allocation but the ref string itself; null when the message has no readable ref.
/// </summary>
internal static class FrameRef
{
    public const int MaxLength = 64;

    public static string? TryRead(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRef = reader.ValueTextEquals("ref"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isRef)
                {
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 and <= MaxLength } value ? value : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Unreadable before its ref: answered without one.
        }

        return null;
    }
}
