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

    /// <summary>Longest slow-mode interval a moderator may set on a room, in seconds (0 turns slow mode off).</summary>
    public int MaxSlowModeSeconds { get; set; } = 21_600;

    /// <summary>How long a client idempotency key is remembered.</summary>
    public TimeSpan IdempotencyKeyTtl { get; set; } = TimeSpan.FromHours(24);

    public ChatRetentionOptions Retention { get; set; } = new();

    public ChatDurabilityOptions Durability { get; set; } = new();

    public Attachments.ChatAttachmentOptions Attachments { get; set; } = new();
}

/// <summary>
/// What an acknowledgement waits for beyond the primary's commit. With Redis replicas (Sentinel mode), a write is
/// acknowledged only once <see cref="Replicas"/> replicas confirmed it (<c>WAIT</c>), so a failover to a replica keeps
/// every acknowledged write (docs/reliability.md).
/// </summary>
public sealed class ChatDurabilityOptions
{
    /// <summary>Replicas that must confirm a write before it is acknowledged; 0 (the default) = the primary's commit is enough.</summary>
    public int Replicas { get; set; }

    /// <summary>
    /// How long a write waits for its replicas; past it the sender gets <c>internal_error</c> (retry with the same key:
    /// the write is on the primary and the retry is answered as the same message once it is confirmed).
    /// </summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(2);
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
