using ChatMesh.Chat.Messages;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// What history shows one user of one message (<see cref="IChatService.GetVisibleMessagesAsync"/>): the message as
/// history has it now when the user may read it, else null and whether it is still in history at all.
/// </summary>
public readonly record struct MessageVisibility(ChatMessage? Message, bool InHistory)
{
    /// <summary>Gone from history (trimmed, or never there): nobody is shown it.</summary>
    public static MessageVisibility NotInHistory => new(null, false);

    /// <summary>In history, but not of a room the user is a member of now.</summary>
    public static MessageVisibility NotReadable => new(null, true);
}
