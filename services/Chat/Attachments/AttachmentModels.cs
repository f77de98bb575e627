using System.Text.Json.Serialization;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// A file as a message shows it (the <c>attachments</c> items of <c>message.created</c> and of history). The content type
/// is the one the server decided from the bytes; <see cref="Width"/> and <see cref="Height"/> are known for images only.
/// </summary>
public sealed record MessageAttachment(
    string Id,
    string Name,
    long Size,
    string ContentType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Width,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Height);

/// <summary>An upload as stored: what the message shows, plus the content address of its bytes and who uploaded it.</summary>
public sealed record StoredAttachment(MessageAttachment Attachment, string Sha256, string Uploader, long? MessageId);

/// <summary>Attachment limits of the chat domain (<c>Chat:Attachments</c>), validated on start.</summary>
public sealed class ChatAttachmentOptions
{
    public const int MaxPerMessageCeiling = 100;

    /// <summary>Most attachments one message may reference; more is <c>too_many_attachments</c>.</summary>
    public int MaxPerMessage { get; set; } = 10;

    /// <summary>How long an upload no message references yet is kept (and can be referenced) before it is forgotten.</summary>
    public TimeSpan PendingTtl { get; set; } = TimeSpan.FromHours(24);
}
