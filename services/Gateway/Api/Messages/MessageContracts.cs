namespace ChatMesh.Gateway.Api.Messages;

/// <summary>
/// Body of <c>POST /api/rooms/{room}/messages</c>; <see cref="ReplyTo"/> is the id of the message answered,
/// <see cref="Attachments"/> the ids of the caller's uploads to this room (the text may then be empty).
/// </summary>
public sealed record PostMessageRequest(string? Text, long? ReplyTo, IReadOnlyList<string>? Attachments = null);

/// <summary>Body of <c>PATCH /api/rooms/{room}/messages/{id}</c>.</summary>
public sealed record EditMessageRequest(string? Text);

/// <summary>
/// Answer to a post: the message id (also its event id). <see cref="Duplicate"/> is true when the idempotency key was
/// seen before: <see cref="Id"/> is then the original message and nothing new was written.
/// </summary>
public sealed record PostMessageResponse(long Id, bool Duplicate);
