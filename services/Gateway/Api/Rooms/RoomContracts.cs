namespace ChatMesh.Gateway.Api.Rooms;

/// <summary>Body of <c>POST /api/rooms</c>. <see cref="Kind"/> is <c>public</c> (the default) or <c>private</c>.</summary>
public sealed record CreateRoomRequest(string? Id, string? Name, string? Kind, string? Topic);

/// <summary>Body of <c>POST /api/rooms/{room}/invites</c>.</summary>
public sealed record InviteRequest(string? User);

/// <summary>Body of <c>POST /api/rooms/{room}/read</c>: the newest event id the user has seen in the room.</summary>
public sealed record MarkReadRequest(long? EventId);

/// <summary>The id of the event a write logged (or, for a repeat, of the event it logged the first time).</summary>
public sealed record EventIdResponse(long EventId);
