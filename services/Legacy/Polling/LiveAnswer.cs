using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// When a held poll may answer from the live events it heard instead of reading the log. The hub hands its subscribers
/// every event routed to them, one at a time in id order, each only after it was committed, repairing gaps from the
/// outbox and reporting the ones it could not (<see cref="ILiveEventHub.SkippedThrough"/>). A poll subscribes, then reads
/// the log up to its head <c>P</c>: the event in dispatch while it subscribed was committed, so it is at or below
/// <c>P</c>, and every later one reaches the subscription. What the poll hears after <c>P</c> is then exactly what the log
/// would replay — unless the hub skipped an event after the cursor, the user's rooms changed while it subscribed, or more
/// came than it keeps. Then the log answers.
/// </summary>
internal static class LiveAnswer
{
    /// <summary>
    /// Whether live events may answer this hold: <paramref name="read"/>, its first log read made after subscribing,
    /// reached the log's head, which is not behind what the hub had <paramref name="dispatched"/> as it subscribed (a hub
    /// ahead of the log means the log was reset), and saw no join or leave of the user, which could have made the room
    /// list it subscribed with stale.
    /// </summary>
    public static bool Trusts(long dispatched, LogRead read) =>
        read.Complete && !read.MembershipChanged && read.Batch.LastEventId >= dispatched;

    /// <summary>
    /// The answer from what <paramref name="waiter"/> heard after <paramref name="position"/>, or null when the log must
    /// answer: nothing heard, an event that did not fit, or an event the hub skipped after the position.
    /// </summary>
    public static PollBatch? TryAnswer(PollWaiter waiter, long skippedThrough, long position, int limit)
    {
        if (skippedThrough > position || !waiter.TryTakeAfter(position, limit, out var heard) || heard.Count == 0)
        {
            return null;
        }

        var events = new List<StoredEvent>(heard.Count);
        for (var i = 0; i < heard.Count; i++)
        {
            events.Add(Stored(heard[i].Event));
        }

        // The cursor moves to the last event answered: everything the queue wants up to it is in this batch.
        return new PollBatch(events, events[^1].Id, Heartbeat: false, Reset: false, Head: events[^1].Id)
        {
            Source = PollSource.Live,
            Trace = heard[0].Trace,
        };
    }

    // The event every poll woken by the latest dispatch answers with: one object for all of them, not one per poll.
    private static StoredEvent? s_latest;

    private static StoredEvent Stored(in LiveEvent live)
    {
        var latest = Volatile.Read(ref s_latest);
        // The same dispatch hands every subscriber the same bytes.
        if (latest is not null && latest.Id == live.Id && latest.Json.Equals(live.Json))
        {
            return latest;
        }

        var stored = new StoredEvent(live.Id, live.Type, live.Room, live.User, live.Json);
        Volatile.Write(ref s_latest, stored);
        return stored;
    }

    /// <summary>True for a join or leave of <paramref name="user"/>, which changes the rooms a live subscription must cover.</summary>
    public static bool ChangesMembership(StoredEvent stored, string user) =>
        stored.Type is ChatEventTypes.MemberJoined or ChatEventTypes.MemberLeft
        && string.Equals(MemberEventReader.ReadUser(stored.Json), user, StringComparison.Ordinal);
}
