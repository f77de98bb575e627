using ChatMesh.Chat.EventLog;

namespace ChatMesh.Chat.Outbox;

/// <summary>
/// The Redis keys of the outbox: the stream the event log appends to, and the publisher's own bookkeeping; names from
/// the one key layout, <see cref="ChatKeys"/>.
/// </summary>
public static class OutboxKeys
{
    /// <summary>The global event counter the event log INCRs; every logged event's id comes from it.</summary>
    public const string Sequence = ChatKeys.Sequence;

    /// <summary>The outbox stream: entry id <c>E-0</c>, fields <c>t</c>, <c>r</c>, <c>u</c>, <c>e</c> (see <see cref="OutboxFields"/>).</summary>
    public const string Stream = ChatKeys.Outbox;

    /// <summary>Holds the instance id of the one publisher allowed to publish, with a TTL (the lease).</summary>
    public const string Lease = ChatKeys.Outbox + ":lease";

    /// <summary>The id of the last event the publisher put on the bus; a new leader resumes after it.</summary>
    public const string Published = ChatKeys.Outbox + ":published";
}

/// <summary>The field names of an outbox entry.</summary>
public static class OutboxFields
{
    public const string Type = "t";
    public const string Room = "r";
    public const string User = "u";
    public const string Json = "e";

    /// <summary>The W3C traceparent of the span that committed the event (empty when untraced).</summary>
    public const string TraceParent = "tp";
}
