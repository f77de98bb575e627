using System.Text.Json;
using ChatMesh.Chat.Events;

namespace ChatMesh.Chat.EventLog;

/// <summary>Reading back the few fields of a stored wire event that routing needs, without materializing it.</summary>
public static class WireEvents
{
    private static readonly string[] KnownTypes =
    [
        ChatEventTypes.MessageCreated, ChatEventTypes.MessageEdited, ChatEventTypes.MessageDeleted,
        ChatEventTypes.ReactionAdded, ChatEventTypes.ReactionRemoved,
        ChatEventTypes.RoleUpdated, ChatEventTypes.MemberBanned, ChatEventTypes.MemberUnbanned, ChatEventTypes.MemberJoined, ChatEventTypes.MemberLeft,
        ChatEventTypes.MemberInvited, ChatEventTypes.RoomCreated, ChatEventTypes.RoomUpdated, ChatEventTypes.ReadUpdated,
        ChatEventTypes.NotificationMention, ChatEventTypes.NotificationInvite, ChatEventTypes.NotificationDirect,
    ];

    /// <summary>The <c>type</c> of a wire event (interned to the <see cref="ChatEventTypes"/> constant when known).</summary>
    public static string ReadType(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType)
            {
                foreach (var known in KnownTypes)
                {
                    if (reader.ValueTextEquals(known))
                    {
                        return known;
                    }
                }

                return reader.GetString() ?? "";
            }

            reader.Skip();
        }

        return "";
    }
}
