namespace ChatMesh.Chat.Attachments;

/// <summary>The <c>error</c> codes of uploads and downloads beyond the API's common ones (docs/protocol.md, Attachments).</summary>
public static class AttachmentErrors
{
    /// <summary>400: the file part has no bytes.</summary>
    public const string EmptyFile = "empty_file";

    /// <summary>415: the client declared an image type the bytes are not (a spoofed image).</summary>
    public const string ContentTypeMismatch = "content_type_mismatch";

    /// <summary>404: no such attachment for this caller: not a member, someone else's pending upload, or its message was deleted.</summary>
    public const string NotFound = "attachment_not_found";
}
