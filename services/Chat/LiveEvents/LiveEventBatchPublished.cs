using ChatMesh.Chat.Events;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// The live copy of a run of consecutive logged events, oldest first, for the per-instance live queues: published
/// non-persistent, so the broker confirms it as soon as it is routed to those (transient) queues. The durable copy,
/// <see cref="ChatEventBatchPublished"/>, is published separately for durable consumers (the integration service);
/// its confirm waits for the broker's disk and no longer holds up live delivery. Each copy follows its own lane in
/// global id order.
/// </summary>
public sealed record LiveEventBatchPublished(ChatEventPublished[] Events);
