namespace ChatMesh.Chat.Events;

/// <summary>
/// One logged event as it travels on the bus, in global id order.
/// <paramref name="Room"/> is set for room events, <paramref name="User"/> for personal ones; <paramref name="Json"/> is the wire object.
/// <paramref name="TraceParent"/> is the W3C traceparent of the span that committed the event (empty when untraced).
/// </summary>
public sealed record ChatEventPublished(long Id, string Type, string? Room, string? User, byte[] Json, string? TraceParent = null);

/// <summary>
/// The integration message the outbox publisher puts on the bus: consecutive logged events, oldest first, in one broker
/// round trip. Batches follow each other in global id order, so consumers see every event in id order.
/// </summary>
public sealed record ChatEventBatchPublished(ChatEventPublished[] Events);

/// <summary>An ephemeral signal (typing, presence): fanned out live to every instance, never logged, never replayed.</summary>
public sealed record EphemeralSignalPublished(string Type, string? Room, string? User, byte[] Json);
