using ChatMesh.Chat.Events;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// What a write returns once it is durably in Redis. <see cref="Duplicate"/> is true when the idempotency key
/// was seen before: <see cref="EventId"/> is then the id of the original event and nothing new was written.
/// </summary>
public sealed record CommitResult(long EventId, bool Duplicate, StoredEvent? Event);

/// <summary>
/// What a client that resumes after <c>after</c> missed, merged across its rooms and personal stream in id order.
/// <see cref="Reset"/> means part of it is beyond retention: the client must reload history (no silent gap).
/// <see cref="More"/> means the batch was cut at the limit; ask again after the last id.
/// <see cref="Head"/> is the newest event id at the time of the read.
/// </summary>
public sealed record Replay(IReadOnlyList<StoredEvent> Events, bool Reset, bool More, long Head);
