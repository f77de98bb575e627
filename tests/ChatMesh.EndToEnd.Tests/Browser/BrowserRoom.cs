namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>The usual scene: alice signs in and creates a public room, bob signs in and joins it, each on a channel.</summary>
public sealed record BrowserRoom(BrowserUser Alice, BrowserUser Bob, string Id) : IAsyncDisposable
{
    public static async Task<BrowserRoom> StartAsync(ChromiumFixture chromium, ChatMeshAppFixture app, string prefix, string aliceChannel, string bobChannel)
    {
        var alice = await BrowserUser.SignInAsync(chromium, app, "alice", aliceChannel);
        var room = await alice.CreateUniqueRoomAsync(prefix);
        var bob = await BrowserUser.SignInAsync(chromium, app, "bob", bobChannel);
        await bob.JoinRoomAsync(room);
        return new BrowserRoom(alice, bob, room);
    }

    public async ValueTask DisposeAsync()
    {
        await Alice.DisposeAsync();
        await Bob.DisposeAsync();
    }
}
