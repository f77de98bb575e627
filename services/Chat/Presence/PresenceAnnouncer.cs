using System.Buffers;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Chat.Presence;

/// <summary>A user's presence as every channel shows it.</summary>
public enum PresenceStatus
{
    Online,
    Offline,
}

/// <summary>Tells the members of each of a user's rooms that the user came online or went offline (ephemeral, never logged).</summary>
public sealed class PresenceAnnouncer(IChatService chat, IEphemeralSignals signals)
{
    public async Task AnnounceAsync(string user, PresenceStatus status, CancellationToken cancellationToken)
    {
        var rooms = await chat.ListMyRoomsAsync(user, cancellationToken);
        if (rooms.Count == 0)
        {
            return;
        }

        var frame = Frame(user, status);
        await Task.WhenAll(rooms.Select(room => signals.PublishAsync(ChatEventTypes.Presence, room.Room.Id, user, frame, cancellationToken)));
    }

    /// <summary><c>{"type":"presence","user":"alice","status":"online"}</c></summary>
    public static byte[] Frame(string user, PresenceStatus status)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", ChatEventTypes.Presence);
            writer.WriteString("user", user);
            writer.WriteString("status", status == PresenceStatus.Online ? "online" : "offline");
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
