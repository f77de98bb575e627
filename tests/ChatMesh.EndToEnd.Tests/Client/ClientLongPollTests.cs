using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>An edge that refuses the WebSocket and SSE: the client long-polls (<c>/poll</c>) with the same guarantees.</summary>
public sealed class ClientLongPollTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refused_websocket_and_sse_fall_back_to_long_polling_which_resumes_across_a_dropped_connection()
    {
        await using var edge = await RefusingEdge.StartAsync(Edge(fixture), "/ws", "/sse");
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        using var listener = await ChatUser.SignInAsync(fixture, "bob", "web");
        await listener.JoinAsync(room);

        await using var alice = new ChatMeshClient(Options(edge.Address, owner.Token));
        await alice.StartAsync(cancellationToken: Cancel);
        await using var bob = new ChatMeshClient(Options(edge.Address, listener.Token));
        var changes = RecordChanges(bob);
        await bob.StartAsync(cancellationToken: Cancel);
        Assert.Equal(ChatChannel.LongPolling, alice.Channel);
        Assert.Equal(ChatChannel.LongPolling, bob.Channel);
        Assert.True(edge.Refused("/ws") >= 2 && edge.Refused("/sse") >= 2, $"refused /ws {edge.Refused("/ws")}, /sse {edge.Refused("/sse")}");

        var acked = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            acked.Add(await alice.SendAsync(room, $"polled {i}", Cancel));
        }

        Assert.Equal(acked, (await MessagesAsync(bob, room, 5)).Select(message => message.Id));
        Assert.Equal(acked, (await MessagesAsync(alice, room, 5)).Select(message => message.Id));

        // Cut the held polls: bob's client reconnects and polls the same queue from its cursor.
        var polls = edge.Forwarded("/poll/queues/");
        await edge.WaitForInFlightAsync("/poll/queues", 2);
        Assert.True(edge.DropConnections() >= 2, "alice's and bob's held polls were not in flight");
        var during = new List<long>();
        for (var i = 5; i < 8; i++)
        {
            during.Add(await alice.SendAsync(room, $"polled {i}", Cancel));
        }

        Assert.Equal(during, (await MessagesAsync(bob, room, 3)).Select(message => message.Id));
        Assert.True(edge.Forwarded("/poll/queues/") > polls);
        // The client may report the reconnection a moment after the re-poll that delivered the messages above.
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(10));
            while (!deadline.IsCancellationRequested)
            {
                lock (changes)
                {
                    if (changes.Count(change => change.Connected && change.Channel == ChatChannel.LongPolling) >= 2)
                    {
                        break;
                    }
                }

                await Task.Delay(20, CancellationToken.None);
            }
        }

        lock (changes)
        {
            Assert.Contains(changes, change => !change.Connected && change.Channel == ChatChannel.LongPolling);
            Assert.True(changes.Count(change => change.Connected && change.Channel == ChatChannel.LongPolling) >= 2, "bob did not reconnect");
            Assert.DoesNotContain(changes, change => change.Connected && change.Channel != ChatChannel.LongPolling);
        }

        await AssertNoMoreMessagesAsync(bob, room);

        // A new client (a new queue, configured for long-polling only, on the real edge) started after bob's last id
        // gets exactly what was sent meanwhile: the REST replay fills the gap up to the queue's start.
        var resumeFrom = bob.LastEventId;
        await bob.DisposeAsync();
        var missed = new List<long>();
        for (var i = 8; i < 11; i++)
        {
            missed.Add(await alice.SendAsync(room, $"polled {i}", Cancel));
        }

        var pollOnly = Options(Edge(fixture), listener.Token);
        pollOnly.Channels.Clear();
        pollOnly.Channels.Add(ChatChannel.LongPolling);
        await using var bobAgain = new ChatMeshClient(pollOnly);
        await bobAgain.StartAsync(resumeFrom, Cancel);
        Assert.Equal(ChatChannel.LongPolling, bobAgain.Channel);
        var live = await alice.SendAsync(room, "polled 11", Cancel);
        Assert.Equal([.. missed, live], (await MessagesAsync(bobAgain, room, 4)).Select(message => message.Id));
        await AssertNoMoreMessagesAsync(bobAgain, room);

        using var history = await owner.GetJsonAsync($"/api/rooms/{room}/messages?limit=100");
        Assert.Equal(12, history.RootElement.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task A_queue_that_is_gone_is_registered_again_and_the_gap_is_replayed()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        using var listener = await ChatUser.SignInAsync(fixture, "bob", "web");
        await listener.JoinAsync(room);
        await using var edge = await RefusingEdge.StartAsync(Edge(fixture), "/ws", "/sse");
        await using var bob = new ChatMeshClient(Options(edge.Address, listener.Token));
        await bob.StartAsync(cancellationToken: Cancel);
        var first = await owner.PostAsync(room, "before");
        Assert.Equal([first], (await MessagesAsync(bob, room, 1)).Select(message => message.Id));

        // While bob's polls cannot get through, his queue is deleted (as expiry would) and three messages are sent: the
        // next poll finds the queue gone, registers a new one (starting after them) and replays them over REST.
        var queue = Assert.Single(edge.QueueIds);
        await edge.WaitForInFlightAsync("/poll/queues", 1);
        edge.Refuse("/poll");
        edge.DropConnections();
        using (var deleted = await listener.Http.DeleteAsync($"/poll/queues/{queue}", Cancel))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var gap = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            gap.Add(await owner.PostAsync(room, $"after {i}"));
        }

        var replays = edge.Forwarded("/api/events");
        edge.Allow("/poll");
        Assert.Equal(gap, (await MessagesAsync(bob, room, 3)).Select(message => message.Id));
        Assert.True(edge.Forwarded("/api/events") > replays, "the gap did not come from the REST replay");
        var live = await owner.PostAsync(room, "on the new queue");
        Assert.Equal([live], (await MessagesAsync(bob, room, 1)).Select(message => message.Id));
        Assert.Equal(2, edge.QueueIds.Count);
        await AssertNoMoreMessagesAsync(bob, room);
    }
}
