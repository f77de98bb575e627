using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;

namespace ChatMesh.EndToEnd.Tests.Moderation;

/// <summary>A public room of alice (owner), bob (made moderator over REST) and carol (a member), each signed in on the gateway.</summary>
internal sealed class ModeratedRoom : IDisposable
{
    private ModeratedRoom(string room, ApiUser alice, ApiUser bob, ApiUser carol) => (Room, Alice, Bob, Carol) = (room, alice, bob, carol);

    public string Room { get; }

    public ApiUser Alice { get; }

    public ApiUser Bob { get; }

    public ApiUser Carol { get; }

    public static async Task<ModeratedRoom> CreateAsync(ChatMeshAppFixture fixture, string prefix, string resource = "gateway")
    {
        var alice = await ApiUser.SignInAsync(fixture, prefix + "-a", resource);
        var bob = await ApiUser.SignInAsync(fixture, prefix + "-b", resource);
        var carol = await ApiUser.SignInAsync(fixture, prefix + "-c", resource);
        var room = Names.Room(prefix);
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        await carol.JoinAsync(room);
        using var granted = await alice.SendAsync(HttpMethod.Put, $"/api/rooms/{room}/roles/{bob.Id}", new { role = "moderator" });
        await Json.ReadAsync(granted, HttpStatusCode.OK);
        return new ModeratedRoom(room, alice, bob, carol);
    }

    public static string Token(ApiUser user) => user.Client.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>PATCH /api/rooms/{room} as <paramref name="user"/>, expecting 200.</summary>
    public async Task<long> UpdateAsync(ApiUser user, object changes)
    {
        using var response = await user.SendAsync(HttpMethod.Patch, $"/api/rooms/{Room}", changes);
        return (await Json.ReadAsync(response, HttpStatusCode.OK)).GetProperty("eventId").GetInt64();
    }

    public static string? Type(JsonElement e) => e.GetProperty("type").GetString();

    public static bool IsText(JsonElement e, string text) =>
        Type(e) == "message.created" && e.GetProperty("data").GetProperty("text").GetString() == text;

    public void Dispose()
    {
        Alice.Dispose();
        Bob.Dispose();
        Carol.Dispose();
    }
}
