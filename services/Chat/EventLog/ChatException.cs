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

    /// <summary>The action needs a moderator or the owner of the room.</summary>
    NotModerator,

    /// <summary>The action needs the owner of the room (granting and revoking roles).</summary>
    NotOwner,

    /// <summary>The target of a kick or ban has the same or a higher role than the actor.</summary>
    Outranked,

    /// <summary>The user is banned from the room: they cannot join, be invited or write until unbanned.</summary>
    Banned,

    /// <summary>The room is read-only for members who are not moderators.</summary>
    RoomReadOnly,

    /// <summary>Slow mode: the member posted less than the room's interval ago; <see cref="ChatException.RetryAfter"/> says when to retry.</summary>
    SlowMode,

    AttachmentNotFound,
    TooManyAttachments,
}

/// <summary>A refused command: nothing was written.</summary>
public sealed class ChatException(ChatError error, string message) : Exception(message)
{
    public ChatError Error { get; } = error;

    /// <summary>For <see cref="ChatError.SlowMode"/>: how long until the next message is accepted.</summary>
    public TimeSpan? RetryAfter { get; init; }

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
        ChatError.NotModerator => "not_moderator",
        ChatError.NotOwner => "not_owner",
        ChatError.Outranked => "outranked",
        ChatError.Banned => "banned",
        ChatError.RoomReadOnly => "room_read_only",
        ChatError.SlowMode => "slow_mode",
        ChatError.AttachmentNotFound => "attachment_not_found",
        ChatError.TooManyAttachments => "too_many_attachments",
        _ => "error",
    };
}
