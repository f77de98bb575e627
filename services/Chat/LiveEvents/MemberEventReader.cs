using System.Text.Json;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Reads <c>data.user</c> (the member who joined or left) from a member event's wire JSON without a DOM.</summary>
public static class MemberEventReader
{
    public static string? ReadUser(ReadOnlyMemory<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isUser = reader.ValueTextEquals("user"u8);
                    reader.Read();
                    if (isUser)
                    {
                        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    reader.Skip();
                }
                return null;
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
