using System.Text.Json;

namespace ChatMesh.Client;

/// <summary>
/// An uploaded file as the server describes it (docs/protocol.md "Attachments"): <see cref="ContentType"/> is what the
/// server decided from the bytes; <see cref="Width"/> and <see cref="Height"/> are known for images only.
/// </summary>
public sealed record ChatAttachment(string Id, string Name, long Size, string ContentType, int? Width, int? Height)
{
    internal static ChatAttachment Parse(JsonElement attachment) => new(
        attachment.GetProperty("id").GetString()!,
        attachment.GetProperty("name").GetString()!,
        attachment.GetProperty("size").GetInt64(),
        attachment.GetProperty("contentType").GetString()!,
        attachment.TryGetProperty("width", out var width) && width.ValueKind == JsonValueKind.Number ? width.GetInt32() : null,
        attachment.TryGetProperty("height", out var height) && height.ValueKind == JsonValueKind.Number ? height.GetInt32() : null);
}

/// <summary>A downloaded file: the type and name the server served it with, and how many bytes were written.</summary>
public sealed record ChatFile(string? ContentType, string? FileName, long Length);
