using System.Diagnostics;
using ChatMesh.Chat.Events;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>An event on its way to local connections. <see cref="Id"/> is 0 for ephemeral signals (typing, presence).</summary>
public readonly record struct LiveEvent(long Id, string Type, string? Room, string? User, ReadOnlyMemory<byte> Json)
{
    /// <summary>
    /// The span that handed the event to this subscriber when its write is to be traced (the instance's
    /// <c>live dispatch</c>), else null: the hub sets it for the first few subscribers of each dispatch only
    /// (<see cref="LiveEventOptions.WriteSpansPerDispatch"/>).
    /// </summary>
    public Activity? Cause { get; init; }
}

/// <summary>One local connection (WebSocket, SSE stream, held long-poll queue) that wants live events for its user.</summary>
public interface ILiveSubscriber
{
    string UserId { get; }

    /// <summary>
    /// Hands over one event; must not block. The same <see cref="LiveEvent.Json"/> bytes go to every subscriber,
    /// so implementations copy nothing and queue the memory in a bounded queue, cutting themselves off when it is full.
    /// </summary>
    void OnEvent(in LiveEvent liveEvent);
}

/// <summary>
/// This instance's dispatcher of live events to its local subscribers. It receives every chat event in global id order
/// through this instance's own queue, drops ids already dispatched, and routes room events to subscribers whose user is
/// a member (following member.joined / member.left as they pass) and personal events to that user's subscribers.
/// </summary>
public interface ILiveEventHub
{
    /// <summary>Starts delivery for a subscriber whose user is in <paramref name="rooms"/>; dispose to stop.</summary>
    IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms);

    /// <summary>The newest global id this instance has dispatched (0 before the first).</summary>
    long LastDispatchedId { get; }

    /// <summary>
    /// The newest global id this hub passed over without dispatching (ids before its first event, or a gap it could not
    /// repair); 0 when none. A subscriber that read the log up to <c>P</c> has heard every later event it is routed
    /// while this stays at or below <c>P</c>. A hub that cannot tell reports <see cref="long.MaxValue"/>.
    /// </summary>
    long SkippedThrough => long.MaxValue;

    /// <summary>
    /// Offers an event this instance has just committed for dispatch at once, ahead of its bus copy. A hub that can
    /// prove it keeps id order (it has dispatched exactly the id before, and no bus dispatch is in progress) dispatches
    /// it and drops the bus copy later; otherwise nothing happens and the bus delivers it. Returns whether it dispatched.
    /// </summary>
    bool TryDispatchCommitted(StoredEvent committed) => false;
}

/// <summary>Sends typing and presence signals to every instance; they are never logged.</summary>
public interface IEphemeralSignals
{
    Task PublishAsync(string type, string? room, string? user, ReadOnlyMemory<byte> json, CancellationToken cancellationToken);
}
