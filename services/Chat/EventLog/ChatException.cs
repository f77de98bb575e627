namespace ChatMesh.Chat.EventLog;

/// <summary>Every refusal the chat domain can give; each maps to one documented wire code.</summary>
public enum ChatError
{
    InvalidArgument,
    RoomNotFound,
    RoomExists,
    NotMember,
    Forbidden,
    MessageNotFound,
    TextTooLong,
    CursorFromFuture,
    AttachmentNotFound,
    TooManyAttachments,
}

/// <summary>A refused command: nothing was written.</summary>
public sealed class ChatException(ChatError error, string message) : Exception(message)
{
    public ChatError Error { get; } = error;

    /// <summary>The snake_case code used in error frames and problem details (e.g. <c>not_member</c>).</summary>
    public string Code => Error switch
    {
        ChatError.InvalidArgument => "invalid_argument",
        ChatError.RoomNotFound => "room_not_found",
        ChatError.RoomExists => "room_exists",
        ChatError.NotMember => "not_member",
        ChatError.Forbidden => "forbidden",
        ChatError.MessageNotFound => "message_not_found",
        ChatError.TextTooLong => "text_too_long",
        ChatError.CursorFromFuture => "cursor_from_future",
        ChatError.AttachmentNotFound => "attachment_not_found",
        ChatError.TooManyAttachments => "too_many_attachments",
        _ => "error",
    };
}
