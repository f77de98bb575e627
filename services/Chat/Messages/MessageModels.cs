namespace ChatMesh.Chat.Messages;

/// <summary>A message as history shows it now: the latest text, reactions folded in, deleted ones kept as tombstones.</summary>
public sealed record ChatMessage(
    long Id,
    string Room,
    string Author,
    string Text,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    bool Deleted,
    long? ReplyTo,
    IReadOnlyList<string> Mentions,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Reactions,
    IReadOnlyList<Attachments.MessageAttachment>? Attachments = null);

/// <summary>One page of history, ordered by id ascending.</summary>
public sealed record HistoryPage(IReadOnlyList<ChatMessage> Messages, bool HasMore);
