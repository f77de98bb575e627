using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>An edge that refuses the WebSocket (404 on /ws): the client falls back to SSE + REST with the same guarantees.</summary>
public sealed class ClientFallbackTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refused_websocket_falls_back_to_sse_and_rest_and_resumes_with_last_event_id()
    {
        await using var edge = await RefusingEdge.StartAsync(Edge(fixture));
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        using var listener = await ChatUser.SignInAsync(fixture, "bob", "web");
        await listener.JoinAsync(room);

        await using var alice = new ChatMeshClient(Options(edge.Address, owner.Token));
        await alice.StartAsync(cancellationToken: Cancel);
        await using var bob = new ChatMeshClient(Options(edge.Address, listener.Token));
        await bob.StartAsync(cancellationToken: Cancel);
        Assert.Equal(ChatChannel.ServerSentEvents, alice.Channel);
        Assert.Equal(ChatChannel.ServerSentEvents, bob.Channel);
        Assert.True(edge.RefusedHandshakes >= 2, $"the edge refused {edge.RefusedHandshakes} handshakes");

        var acked = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            acked.Add(await alice.SendAsync(room, $"over rest {i}", Cancel));
        }

        var received = await MessagesAsync(bob, room, 5);
        Assert.Equal(acked, received.Select(message => message.Id));
        Assert.Equal(acked, (await MessagesAsync(alice, room, 5)).Select(message => message.Id));

        // A new SSE client started after bob's last id gets exactly what was sent meanwhile (Last-Event-ID).
        var resumeFrom = bob.LastEventId;
        await bob.DisposeAsync();
        var missed = new List<long>();
        for (var i = 5; i < 8; i++)
        {
            missed.Add(await alice.SendAsync(room, $"over rest {i}", Cancel));
        }

        await using var bobAgain = new ChatMeshClient(Options(edge.Address, listener.Token));
        await bobAgain.StartAsync(resumeFrom, Cancel);
        Assert.Equal(ChatChannel.ServerSentEvents, bobAgain.Channel);
        Assert.Equal(missed, (await MessagesAsync(bobAgain, room, 3)).Select(message => message.Id));
        await AssertNoMoreMessagesAsync(bobAgain, room);

        using var history = await owner.GetJsonAsync($"/api/rooms/{room}/messages?limit=100");
        Assert.Equal(8, history.RootElement.GetProperty("messages").GetArrayLength());
    }
}
