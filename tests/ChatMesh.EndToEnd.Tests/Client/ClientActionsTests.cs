using System.Text.Json;
using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>Join, react, read, edit, delete, unreact and leave through the client's methods, against the real services.</summary>
public sealed class ClientActionsTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_action_is_logged_once_and_comes_back_as_the_event_whose_id_it_returned()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        await using var bob = await ChatMeshClient.SignInAsync(ChatUser.UniqueName("bob"), Options(Edge(fixture)), Cancel);
        await bob.StartAsync(cancellationToken: Cancel);

        var joined = await bob.JoinAsync(room, Cancel);
        var hello = await owner.PostAsync(room, "hello bob");
        var reacted = await bob.ReactAsync(room, hello, "👍", Cancel);
        Assert.Equal(0, await bob.ReactAsync(room, hello, "👍", Cancel));
        var read = await bob.MarkReadAsync(room, hello, Cancel);
        var own = await bob.SendAsync(room, "tpyo", Cancel);
        var edited = await bob.EditAsync(room, own, "typo", Cancel);
        var deleted = await bob.DeleteAsync(room, own, Cancel);
        var unreacted = await bob.UnreactAsync(room, hello, "👍", Cancel);

        var expected = new Dictionary<long, string>
        {
            [joined] = "member.joined",
            [hello] = "message.created",
            [reacted] = "reaction.added",
            [own] = "message.created",
            [edited] = "message.edited",
            [deleted] = "message.deleted",
            [unreacted] = "reaction.removed",
        };
        var received = await EventsUntilAsync(bob, unreacted);
        foreach (var (id, type) in expected)
        {
            Assert.Equal(type, Assert.Single(received, e => e.Id == id).Type);
        }

        Assert.True(read > hello);
        Assert.Equal("typo", Assert.Single(received, e => e.Id == edited).Text);
        using (var rooms = await owner.GetJsonAsync($"/api/rooms/{room}/messages?limit=10"))
        {
            var messages = rooms.RootElement.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal([hello, own], messages.Select(message => message.GetProperty("id").GetInt64()));
            Assert.True(messages[1].GetProperty("deleted").GetBoolean());
            Assert.Empty(messages[0].GetProperty("reactions").EnumerateObject());
        }

        using (var mine = await bob.SendRequestAsync(HttpMethod.Get, "/api/rooms", cancellationToken: Cancel))
        {
            using var body = JsonDocument.Parse(await mine.Content.ReadAsStringAsync(Cancel));
            var state = Assert.Single(body.RootElement.EnumerateArray(), entry => entry.GetProperty("room").GetProperty("id").GetString() == room);
            Assert.True(state.GetProperty("lastReadEventId").GetInt64() >= hello);
        }

        var left = await bob.LeaveAsync(room, Cancel);
        Assert.True(left > unreacted);
        var refused = await Assert.ThrowsAsync<ChatMeshException>(() => bob.SendAsync(room, "still here?", Cancel));
        Assert.Equal("not_member", refused.Code);
    }

    [Fact]
    public async Task Refused_actions_throw_the_server_codes()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        var hello = await owner.PostAsync(room, "mine");
        await using var eve = await ChatMeshClient.SignInAsync(ChatUser.UniqueName("eve"), Options(Edge(fixture)), Cancel);

        var outsider = await Assert.ThrowsAsync<ChatMeshException>(() => eve.ReactAsync(room, hello, "👍", Cancel));
        Assert.Equal("not_member", outsider.Code);
        Assert.Equal(403, outsider.Status);
        await eve.JoinAsync(room, Cancel);
        var notHers = await Assert.ThrowsAsync<ChatMeshException>(() => eve.EditAsync(room, hello, "hers now", Cancel));
        Assert.Equal("forbidden", notHers.Code);
        var missing = await Assert.ThrowsAsync<ChatMeshException>(() => eve.DeleteAsync(room, hello + 1_000_000, Cancel));
        Assert.Equal("message_not_found", missing.Code);
        var noRoom = await Assert.ThrowsAsync<ChatMeshException>(() => eve.JoinAsync(ChatUser.UniqueName("nowhere"), Cancel));
        Assert.Equal("room_not_found", noRoom.Code);

        using var history = await owner.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Equal("mine", Assert.Single(history.RootElement.GetProperty("messages").EnumerateArray()).GetProperty("text").GetString());
    }
}
