using ChatMesh.Chat.Events;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// One poll's answer. <see cref="LastEventId"/> is the cursor to send next: everything the queue would deliver up to it is
/// in <see cref="Events"/> (or was before). <see cref="Reset"/>: part of it is beyond retention (reload history);
/// <see cref="Head"/> is then the newest id at the read.
/// </summary>
public sealed record PollBatch(IReadOnlyList<StoredEvent> Events, long LastEventId, bool Heartbeat, bool Reset, long Head);
