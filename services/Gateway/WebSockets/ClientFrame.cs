using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Every client frame of <c>chatmesh.v1</c>, flattened: <see cref="Type"/> says which fields apply
/// (docs/protocol.md lists them). Unknown members are ignored so newer clients can talk to older servers.
/// </summary>
internal sealed class ClientFrame
{
    public string? Type { get; set; }

    /// <summary>Client correlation id, echoed on the ack or error frame that answers this frame.</summary>
    public string? Ref { get; set; }

    public string? Room { get; set; }

    public string? Text { get; set; }

    public long? ReplyTo { get; set; }

    /// <summary>Ids of the sender's uploads a send references.</summary>
    public string[]? Attachments { get; set; }

    /// <summary>Idempotency key of a send: a repeat with the same key yields the original id.</summary>
    public string? Key { get; set; }

    public long? MessageId { get; set; }

    public string? Emoji { get; set; }

    public long? EventId { get; set; }

    /// <summary>Resume point of a subscribe: the last event id the client received.</summary>
    public long? After { get; set; }

    public string? Token { get; set; }

    public string? User { get; set; }

    public string? Status { get; set; }

    /// <summary>A <c>role</c> frame's new role: <c>moderator</c> or <c>member</c>.</summary>
    public string? Role { get; set; }

    /// <summary>A <c>room</c> frame's changes (each optional; see <see cref="Chat.Rooms.RoomChanges"/>).</summary>
    public string? Name { get; set; }

    public string? Topic { get; set; }

    public bool? ReadOnly { get; set; }

    public int? SlowModeSeconds { get; set; }
}

/// <summary>The client frame types.</summary>
internal static class ClientFrameTypes
{
    public const string Subscribe = "subscribe";
    public const string Send = "send";
    public const string Edit = "edit";
    public const string Delete = "delete";
    public const string React = "react";
    public const string Unreact = "unreact";
    public const string Read = "read";
    public const string Typing = "typing";
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Ping = "ping";
    public const string Auth = "auth";
    public const string Role = "role";
    public const string Kick = "kick";
    public const string Ban = "ban";
    public const string Unban = "unban";
    public const string UpdateRoom = "update_room";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip, MaxDepth = 8)]
[JsonSerializable(typeof(ClientFrame))]
internal sealed partial class ClientFrameJsonContext : JsonSerializerContext;
