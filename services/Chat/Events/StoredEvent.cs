namespace ChatMesh.Chat.Events;

/// <summary>
/// One logged event as every channel sends it. <see cref="Json"/> is the complete wire object
/// (<c>{"id":…,"type":…,"room":…,"actor":…,"ts":…,"data":{…}}</c>), built once at commit and written as-is
/// to every recipient; <see cref="Room"/> is null for an event in a user's personal stream, whose owner is <see cref="User"/>.
/// </summary>
public sealed record StoredEvent(long Id, string Type, string? Room, string? User, ReadOnlyMemory<byte> Json);
