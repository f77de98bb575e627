namespace ChatMesh.Chat.Attachments;

/// <summary>
/// The attachments of rooms, in Redis next to the messages that reference them (the bytes live in the gateway's store,
/// addressed by <see cref="StoredAttachment.Sha256"/>). Refusals throw <see cref="EventLog.ChatException"/>.
/// </summary>
public interface IAttachmentRegistry
{
    /// <summary>
    /// Records an upload by a member of the room; durable when it returns. It stays pending (visible to its uploader only,
    /// forgotten after <see cref="ChatAttachmentOptions.PendingTtl"/>) until a message references it.
    /// </summary>
    Task AddAttachmentAsync(string actor, string room, StoredAttachment upload, CancellationToken cancellationToken);

    /// <summary>
    /// The attachment as <paramref name="reader"/> may see it now, or null: not a member of the room, no such attachment,
    /// someone else's pending upload, or its message was deleted (or left history).
    /// </summary>
    Task<StoredAttachment?> FindAttachmentAsync(string reader, string room, string id, CancellationToken cancellationToken);
}
