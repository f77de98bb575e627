using System.Globalization;
using ChatMesh.Client.Channels;

namespace ChatMesh.Client;

/// <summary>Rooms, roles and moderation over REST (docs/rest-api.md; the rules: docs/protocol.md "Moderation and roles").</summary>
public sealed partial class ChatMeshClient
{
    /// <summary>Creates a room (the user is its owner) and returns it; a taken id is <c>room_exists</c>.</summary>
    public Task<ChatRoom> CreateRoomAsync(string id, string name, bool isPrivate = false, string? topic = null, CancellationToken cancellationToken = default)
    {
        Required(id);
        Required(name);
        return WithinTimeoutAsync(HttpMethod.Post, "/api/rooms", cancel => _rest.ReadAsync(HttpMethod.Post, "/api/rooms", writer =>
        {
            writer.WriteString("id", id);
            writer.WriteString("name", name);
            writer.WriteString("kind", isPrivate ? "private" : "public");
            if (topic is not null)
            {
                writer.WriteString("topic", topic);
            }
        }, ChatRoom.Parse, cancel), cancellationToken);
    }

    /// <summary>The room as it is now: name, topic, owner, moderators, read-only, slow mode.</summary>
    public Task<ChatRoom> GetRoomAsync(string room, CancellationToken cancellationToken = default)
    {
        var path = RestApi.Room(Required(room));
        return WithinTimeoutAsync(HttpMethod.Get, path, cancel => _rest.ReadAsync(HttpMethod.Get, path, null, ChatRoom.Parse, cancel), cancellationToken);
    }

    /// <summary>
    /// Renames the room, sets its topic, makes it read-only or sets slow mode (moderators and the owner); returns the
    /// <c>room.updated</c> event id.
    /// </summary>
    public Task<long> UpdateRoomAsync(string room, ChatRoomUpdate changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes is { Name: null, Topic: null, ReadOnly: null, SlowMode: null })
        {
            throw new ArgumentException("Set at least one of Name, Topic, ReadOnly, SlowMode.", nameof(changes));
        }

        if (changes.SlowMode is { } slow && (slow < TimeSpan.Zero || slow.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            throw new ArgumentException("SlowMode must be whole seconds, zero (off) or more.", nameof(changes));
        }

        return WriteAsync(HttpMethod.Patch, RestApi.Room(Required(room)), writer =>
        {
            if (changes.Name is { } name)
            {
                writer.WriteString("name", name);
            }

            if (changes.Topic is { } topic)
            {
                writer.WriteString("topic", topic);
            }

            if (changes.ReadOnly is { } readOnly)
            {
                writer.WriteBoolean("readOnly", readOnly);
            }

            if (changes.SlowMode is { } interval)
            {
                writer.WriteNumber("slowModeSeconds", (long)interval.TotalSeconds);
            }
        }, cancellationToken);
    }

    /// <summary>The owner makes <paramref name="user"/> a moderator or a plain member; returns the <c>role.updated</c> event id (0 when they already had it).</summary>
    public Task<long> SetRoleAsync(string room, string user, ChatRole role, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "A room role is Member or Moderator.");
        }

        return WriteAsync(HttpMethod.Put, Member(room, "roles", user),
            writer => writer.WriteString("role", role == ChatRole.Moderator ? "moderator" : "member"), cancellationToken);
    }

    /// <summary>Kicks <paramref name="user"/> out of the room (they may join again); returns the <c>member.left</c> event id.</summary>
    public Task<long> KickAsync(string room, string user, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Delete, Member(room, "members", user), null, cancellationToken);

    /// <summary>Bans <paramref name="user"/> (removed if a member; joining is refused until unbanned); returns the <c>member.banned</c> event id (0 when already banned).</summary>
    public Task<long> BanAsync(string room, string user, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Put, Member(room, "bans", user), null, cancellationToken);

    /// <summary>Lifts the ban of <paramref name="user"/> (does not add them back); returns the <c>member.unbanned</c> event id (0 when not banned).</summary>
    public Task<long> UnbanAsync(string room, string user, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Delete, Member(room, "bans", user), null, cancellationToken);

    /// <summary>The users banned from the room (moderators and the owner).</summary>
    public Task<IReadOnlyList<string>> GetBansAsync(string room, CancellationToken cancellationToken = default)
    {
        var path = $"{RestApi.Room(Required(room))}/bans";
        return WithinTimeoutAsync(HttpMethod.Get, path, cancel => _rest.ReadAsync<IReadOnlyList<string>>(HttpMethod.Get, path, null,
            bans => [.. bans.EnumerateArray().Select(user => user.GetString()!)], cancel), cancellationToken);
    }

    private static string Member(string room, string collection, string user) =>
        string.Create(CultureInfo.InvariantCulture, $"{RestApi.Room(Required(room))}/{collection}/{Uri.EscapeDataString(Required(user))}");
}
