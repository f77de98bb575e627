namespace ChatMesh.Chat.Events;

/// <summary>
/// The integration event the outbox publisher puts on the bus for every logged event, in global id order.
/// <paramref name="Room"/> is set for room events, <paramref name="User"/> for personal ones; <paramref name="Json"/> is the wire object.
/// <paramref name="TraceParent"/> is the W3C traceparent of the span that committed the event (empty when untraced).
/// </summary>
public sealed record ChatEventPublished(long Id, string Type, string? Room, string? User, byte[] Json, string? TraceParent = null);

/// <summary>An ephemeral signal (typing, presence): fanned out live to every instance, never logged, never replayed.</summary>
public sealed record EphemeralSignalPublished(string Type, string? Room, string? User, byte[] Json);
