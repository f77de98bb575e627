namespace ChatMesh.Chat.EventLog;

/// <summary>Limits of the chat domain, bound from the <c>Chat</c> configuration section and validated on start.</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>Longest message text, in UTF-16 chars after trimming.</summary>
    public int MaxMessageLength { get; set; } = 4000;

    /// <summary>Largest history page a caller may ask for.</summary>
    public int MaxHistoryPage { get; set; } = 100;

    /// <summary>Largest replay batch a caller may ask for.</summary>
    public int MaxReplayPage { get; set; } = 1000;

    /// <summary>Longest room display name.</summary>
    public int MaxRoomNameLength { get; set; } = 100;

    /// <summary>Longest room topic.</summary>
    public int MaxTopicLength { get; set; } = 1000;

    /// <summary>At most this many distinct <c>@name</c> tokens of one message are considered as mentions.</summary>
    public int MaxMentionsPerMessage { get; set; } = 20;

    /// <summary>How long a client idempotency key is remembered.</summary>
    public TimeSpan IdempotencyKeyTtl { get; set; } = TimeSpan.FromHours(24);

    public ChatRetentionOptions Retention { get; set; } = new();
}

/// <summary>How much of each log Redis keeps; a resume from before the kept window gets an explicit reset.</summary>
public sealed class ChatRetentionOptions
{
    /// <summary>Events kept per room stream (exact trim); also the number of messages kept per room for history.</summary>
    public int MaxEventsPerRoom { get; set; } = 10_000;

    /// <summary>Events kept per personal stream (exact trim).</summary>
    public int MaxEventsPerUser { get; set; } = 10_000;

    /// <summary>Safety cap of the outbox stream (approximate trim); the outbox publisher trims what it has published.</summary>
    public int OutboxMaxLength { get; set; } = 100_000;
}
