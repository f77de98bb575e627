using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.WebSockets;

public sealed class PresenceTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task Room_members_see_a_user_come_online_and_go_offline()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        await using var aliceWs = await WsClient.ConnectAsync(fixture, alice.Token);
        await aliceWs.SendAsync(new { type = "subscribe" });
        await aliceWs.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");

        var bobWs = await WsClient.ConnectAsync(fixture, bob.Token);
        var online = await aliceWs.WaitForAsync(frame => IsPresence(frame, bob.Name, "online"));
        await bobWs.DisposeAsync();
        var offline = await aliceWs.WaitForAsync(frame => IsPresence(frame, bob.Name, "offline"));

        Assert.False(online.TryGetProperty("id", out _));
        Assert.False(offline.TryGetProperty("id", out _));
    }

    [Fact]
    public async Task A_second_connection_of_an_online_user_announces_nothing_new()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        await using var aliceWs = await WsClient.ConnectAsync(fixture, alice.Token);
        await aliceWs.SendAsync(new { type = "subscribe" });
        await aliceWs.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");

        await using var first = await WsClient.ConnectAsync(fixture, bob.Token);
        await aliceWs.WaitForAsync(frame => IsPresence(frame, bob.Name, "online"));
        var second = await WsClient.ConnectAsync(fixture, bob.Token);
        await second.DisposeAsync();

        // Bob still holds a connection: a message posted now proves everything before it was delivered.
        var marker = await alice.PostAsync(room, "marker");
        await aliceWs.WaitForAsync(frame => frame.TryGetProperty("id", out var id) && id.GetInt64() == marker);
        Assert.Single(aliceWs.Frames, frame => IsPresence(frame, bob.Name, "online"));
        Assert.DoesNotContain(aliceWs.Frames, frame => IsPresence(frame, bob.Name, "offline"));
    }

    private static bool IsPresence(System.Text.Json.JsonElement frame, string user, string status) =>
        WsClient.Type(frame) == "presence" && frame.GetProperty("user").GetString() == user && frame.GetProperty("status").GetString() == status;
}
