using System.Diagnostics;
using ChatMesh.Chat.Events;

namespace ChatMesh.Legacy.Polling;

/// <summary>Where a poll's answer came from: the log's replay after the cursor, or the live events the held poll heard.</summary>
public enum PollSource
{
    Replay,
    Live,
}

/// <summary>
/// One poll's answer. <see cref="LastEventId"/> is the cursor to send next: everything the queue would deliver up to it is
/// in <see cref="Events"/> (or was before). <see cref="Reset"/>: part of it is beyond retention (reload history);
/// <see cref="Head"/> is then the newest id at the read. <see cref="Trace"/> is the dispatch span of the live event that
/// woke the poll (default when none), which the response span continues.
/// </summary>
public sealed record PollBatch(IReadOnlyList<StoredEvent> Events, long LastEventId, bool Heartbeat, bool Reset, long Head)
{
    public PollSource Source { get; init; }

    public ActivityContext Trace { get; init; }
}
