using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>ChatMesh.Client against the real system through the edge: send with acks, receive over the WebSocket, resume.</summary>
public sealed class ClientChatTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Messages_one_client_sends_reach_another_once_in_order_and_a_new_client_resumes_after_the_last_id()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        await using var alice = new ChatMeshClient(Options(Edge(fixture), owner.Token));
        await alice.StartAsync(cancellationToken: Cancel);
        // The library's own sign-in, then a join through its authorized request.
        await using var bob = await ChatMeshClient.SignInAsync(ChatUser.UniqueName("bob"), Options(Edge(fixture)), Cancel);
        using (var joined = await bob.SendRequestAsync(HttpMethod.Post, $"/api/rooms/{room}/join", cancellationToken: Cancel))
        {
            joined.EnsureSuccessStatusCode();
        }

        await bob.StartAsync(cancellationToken: Cancel);
        Assert.Equal(ChatChannel.WebSocket, bob.Channel);
        Assert.Equal(ChatChannel.WebSocket, alice.Channel);

        var acked = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            acked.Add(await alice.SendAsync(room, $"hello {i}", Cancel));
        }

        var received = await MessagesAsync(bob, room, 5);
        Assert.Equal(acked, received.Select(message => message.Id));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"hello {i}"), received.Select(message => message.Text));
        Assert.All(received, message => Assert.Equal(owner.Name, message.Actor));
        Assert.Equal(acked[^1], bob.LastEventId);

        // Bob goes away; what was sent meanwhile reaches his next client, started after his last id, and nothing before it.
        var resumeFrom = bob.LastEventId;
        await bob.DisposeAsync();
        var missed = new List<long>();
        for (var i = 5; i < 8; i++)
        {
            missed.Add(await alice.SendAsync(room, $"hello {i}", Cancel));
        }

        await using var bobAgain = new ChatMeshClient(Options(Edge(fixture), bob.Token));
        await bobAgain.StartAsync(resumeFrom, Cancel);
        var resumed = await MessagesAsync(bobAgain, room, 3);
        Assert.Equal(missed, resumed.Select(message => message.Id));
        await AssertNoMoreMessagesAsync(bobAgain, room);
    }

    [Fact]
    public async Task A_send_without_a_started_connection_goes_over_rest_and_is_received_live()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        using var listener = await ChatUser.SignInAsync(fixture, "bob", "web");
        await listener.JoinAsync(room);
        await using var bob = new ChatMeshClient(Options(Edge(fixture), listener.Token));
        await bob.StartAsync(cancellationToken: Cancel);

        await using var alice = new ChatMeshClient(Options(Edge(fixture), owner.Token));
        var id = await alice.SendAsync(room, "over rest", Cancel);

        var received = Assert.Single(await MessagesAsync(bob, room, 1));
        Assert.Equal(id, received.Id);
        Assert.Equal("over rest", received.Text);
    }
}
