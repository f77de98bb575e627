using System.Text.Json.Serialization;
using ChatMesh.Chat.Rooms;

namespace ChatMesh.Legacy.EventQueues;

/// <summary>Body of <c>POST /poll/queues</c>; every member optional.</summary>
public sealed record RegisterQueueRequest(IReadOnlyList<string>? Rooms, IReadOnlyList<string>? Types, bool? IncludeState);

/// <summary>
/// A new queue. <see cref="LastEventId"/> is its starting cursor: the first poll sends it. <see cref="State"/> is present
/// when asked for.
/// </summary>
public sealed record RegisterQueueResponse(
    string QueueId,
    long LastEventId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] QueueState? State);

/// <summary>
/// The user's rooms with read state. <see cref="Exact"/>: the snapshot is exactly the state at the queue's starting cursor;
/// when false, writes raced with it and it may already reflect some events the queue will deliver (never miss any).
/// </summary>
public sealed record QueueState(IReadOnlyList<MyRoom> Rooms, bool Exact);
