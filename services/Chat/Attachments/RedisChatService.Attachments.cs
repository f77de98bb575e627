using System.Text.Json;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>Attachments: uploads recorded next to the room's messages (<see cref="AttachmentScripts"/>).</summary>
public sealed partial class RedisChatService : IAttachmentRegistry
{
    private static readonly JsonSerializerOptions AttachmentJson = new(JsonSerializerDefaults.Web);

    public async Task AddAttachmentAsync(string actor, string room, StoredAttachment upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        var json = AttachmentJsonWriter.Write(upload.Attachment);
        await EvalAsync(AttachmentScripts.Add,
            [room, actor, upload.Attachment.Id, json, upload.Sha256, (long)chat.Attachments.PendingTtl.TotalMilliseconds,
                time.GetUtcNow().ToUnixTimeMilliseconds()],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredAttachment?> FindAttachmentAsync(string reader, string room, string id, CancellationToken cancellationToken)
    {
        if (!ChatIds.IsUserId(reader) || !(ChatIds.IsRoomId(room) || ChatIds.TryParseDirect(room, out _, out _)) || !AttachmentIds.IsValid(id))
        {
            return null;
        }

        var result = await RunScriptAsync(AttachmentScripts.Find, [room, reader, id], cancellationToken)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var fields = (RedisResult[])result!;
        var attachment = JsonSerializer.Deserialize<MessageAttachment>((string)fields[1]!, AttachmentJson)!;
        var message = (string)fields[3]!;
        return new StoredAttachment(attachment, (string)fields[2]!, (string)fields[0]!, message.Length == 0 ? null : long.Parse(message, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The <c>at</c> field of a message hash (its attachments' JSON array) as history shows it.</summary>
    private static IReadOnlyList<MessageAttachment> ParseAttachments(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<MessageAttachment>>(json, AttachmentJson) ?? [];
}
