namespace ChatMesh.Legacy.Sending;

/// <summary>
/// Answer to a post: the message id (also its event id). <see cref="Duplicate"/> is true when the idempotency key was seen
/// before: <see cref="Id"/> is then the original message and nothing new was written.
/// </summary>
public sealed record PostMessageResponse(long Id, bool Duplicate);

/// <summary>The id of the event a write logged (or, for a no-op, the id the event log gives for it).</summary>
public sealed record EventIdResponse(long EventId);
