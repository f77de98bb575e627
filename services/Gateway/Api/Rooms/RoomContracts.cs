namespace ChatMesh.Gateway.Api.Rooms;

/// <summary>Body of <c>POST /api/rooms</c>. <see cref="Kind"/> is <c>public</c> (the default) or <c>private</c>.</summary>
public sealed record CreateRoomRequest(string? Id, string? Name, string? Kind, string? Topic);

/// <summary>Body of <c>POST /api/rooms/{room}/invites</c>.</summary>
public sealed record InviteRequest(string? User);

/// <summary>Body of <c>POST /api/rooms/{room}/read</c>: the newest event id the user has seen in the room.</summary>
public sealed record MarkReadRequest(long? EventId);

/// <summary>The id of the event a write logged (or, for a repeat, of the event it logged the first time).</summary>
public sealed record EventIdResponse(long EventId);

/// <summary>
/// Body of <c>PATCH /api/rooms/{room}</c>: every member is optional, at least one is required. <c>topic: ""</c> clears the
/// topic; <c>slowModeSeconds: 0</c> turns slow mode off.
/// </summary>
public sealed record UpdateRoomRequest(string? Name, string? Topic, bool? ReadOnly, int? SlowModeSeconds);

/// <summary>Body of <c>PUT /api/rooms/{room}/roles/{user}</c>: <c>moderator</c> or <c>member</c>.</summary>
public sealed record SetRoleRequest(string? Role);
