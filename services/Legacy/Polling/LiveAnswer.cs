using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// When a held poll may answer from the live events it heard instead of reading the log. The hub hands every subscriber
/// every event routed to it, one at a time in id order, repairing gaps from the outbox and reporting the ones it could
/// not (<see cref="ILiveEventHub.SkippedThrough"/>). So once the poll's log read reaches past the first event sure to
/// reach its subscription, what it hears after its cursor is exactly what the log would replay — unless an event was
/// skipped, the user's rooms changed while it subscribed, or more came than it keeps. Then the log answers.
/// </summary>
internal static class LiveAnswer
{
    /// <summary>
    /// Whether live events may answer this hold: <paramref name="read"/> (its first log read, made after subscribing)
    /// reached the log's head at or beyond <paramref name="heardFrom"/> — the first id sure to reach the subscription — and
    /// saw no join or leave of the user, which could make the room list it subscribed with stale.
    /// </summary>
    public static bool Trusts(long heardFrom, LogRead read) =>
        read.Complete && !read.MembershipChanged && read.Batch.LastEventId + 1 >= heardFrom;

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

        var events = heard.Select(static h => new StoredEvent(h.Event.Id, h.Event.Type, h.Event.Room, h.Event.User, h.Event.Json)).ToList();
        // The cursor moves to the last event answered: everything the queue wants up to it is in this batch.
        return new PollBatch(events, events[^1].Id, Heartbeat: false, Reset: false, Head: events[^1].Id)
        {
            Source = PollSource.Live,
            Trace = heard[0].Trace,
        };
    }

    /// <summary>True for a join or leave of <paramref name="user"/>, which changes the rooms a live subscription must cover.</summary>
    public static bool ChangesMembership(StoredEvent stored, string user) =>
        stored.Type is ChatEventTypes.MemberJoined or ChatEventTypes.MemberLeft
        && string.Equals(MemberEventReader.ReadUser(stored.Json), user, StringComparison.Ordinal);
}
