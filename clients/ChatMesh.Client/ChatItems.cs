using System.Text.Json;

namespace ChatMesh.Client;

/// <summary>Something the server delivered: a logged <see cref="ChatEvent"/>, a <see cref="ChatReset"/> or an ephemeral <see cref="ChatSignal"/>.</summary>
public abstract record ChatItem;

/// <summary>A logged event (docs/protocol.md "Events"): <see cref="Json"/> is its wire JSON, byte for byte.</summary>
public sealed record ChatEvent(long Id, string Type, string? Room, string? Actor, JsonElement Data, string Json) : ChatItem
{
    /// <summary>The text of a <c>message.created</c> or <c>message.edited</c> event, else null.</summary>
    public string? Text => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
        ? text.GetString()
        : null;

    /// <summary>The files of a <c>message.created</c> event (<c>data.attachments</c>); empty for any other event or a message without files.</summary>
    public IReadOnlyList<ChatAttachment> Attachments => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("attachments", out var files) && files.ValueKind == JsonValueKind.Array
        ? [.. files.EnumerateArray().Select(ChatAttachment.Parse)]
        : [];

    internal static ChatEvent Parse(JsonElement root, string json) => new(
        root.GetProperty("id").GetInt64(),
        root.GetProperty("type").GetString() ?? "",
        String(root, "room"),
        String(root, "actor"),
        root.TryGetProperty("data", out var data) ? data.Clone() : default,
        json);

    internal static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// The resume point was older than the server's retention: events between it and <see cref="Head"/> are gone from the
/// live channels. Reload history over REST; live events continue after this item.
/// </summary>
public sealed record ChatReset(long Head) : ChatItem;

/// <summary>An ephemeral signal (<c>typing</c>, <c>presence</c>): never logged, never replayed, no id.</summary>
public sealed record ChatSignal(string Type, string Json) : ChatItem;
