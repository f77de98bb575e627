namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// How far this instance is with writing one dispatched logged event to the connections it was handed to: the first
/// completed write, and the last. One per event and instance (never per recipient); the writers share it through a
/// small table keyed by event id (<see cref="LiveEventMetrics.Written"/>).
/// </summary>
internal sealed class DispatchWrites(long eventId, DateTimeOffset committed, int recipients)
{
    private int _remaining = recipients;
    private int _first;

    public long EventId => eventId;

    public DateTimeOffset Committed => committed;

    /// <summary>True for the first caller only: the first write of the event on this instance completed.</summary>
    public bool TakeFirst() => Volatile.Read(ref _first) == 0 && Interlocked.Exchange(ref _first, 1) == 0;

    /// <summary>
    /// Counts <paramref name="count"/> recipients done (written, or not handed the event after all); true for the call
    /// that finishes the last of them.
    /// </summary>
    public bool Done(int count) => Interlocked.Add(ref _remaining, -count) == 0;
}
