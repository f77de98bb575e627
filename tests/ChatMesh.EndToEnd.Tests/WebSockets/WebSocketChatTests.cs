using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.WebSockets;

/// <summary>The WebSocket channel's guarantees against the real system: 2 gateway replicas, real Redis and RabbitMQ.</summary>
public sealed class WebSocketChatTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task Two_users_on_different_gateway_instances_chat()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);

        await using var aliceWs = await WsClient.ConnectAsync(fixture, alice.Token);
        await using var bobWs = await WsClient.ConnectToOtherInstanceAsync(fixture, bob.Token, notOn: aliceWs.Instance);
        await Subscribe(aliceWs);
        await Subscribe(bobWs);

        await aliceWs.SendAsync(new { type = "send", @ref = "m1", room, text = "hello from the other side" });
        var ack = await aliceWs.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == "m1");
        var id = ack.GetProperty("id").GetInt64();
        Assert.False(ack.GetProperty("duplicate").GetBoolean());

        var received = await bobWs.WaitForAsync(frame => IsMessage(frame, room) && frame.GetProperty("id").GetInt64() == id);
        Assert.NotEqual(aliceWs.Instance, bobWs.Instance);
        Assert.Equal(alice.Name, received.GetProperty("actor").GetString());
        Assert.Equal("hello from the other side", received.GetProperty("data").GetProperty("text").GetString());
        Assert.Equal(id, received.GetProperty("data").GetProperty("messageId").GetInt64());
    }

    [Fact]
    public async Task Every_client_sees_one_room_in_the_same_order_under_concurrent_senders()
    {
        const int senders = 3, perSender = 15;
        var users = await Task.WhenAll(Enumerable.Range(0, senders).Select(i => ChatUser.SignInAsync(fixture, $"s{i}")));
        using var watcher = await ChatUser.SignInAsync(fixture, "watch");
        var room = await users[0].CreateRoomAsync();
        foreach (var user in users.Skip(1).Append(watcher))
        {
            await user.JoinAsync(room);
        }

        await using var first = await WsClient.ConnectAsync(fixture, watcher.Token);
        await using var second = await WsClient.ConnectToOtherInstanceAsync(fixture, watcher.Token, notOn: first.Instance);
        await Subscribe(first);
        await Subscribe(second);
        var sockets = await Task.WhenAll(users.Select(user => WsClient.ConnectAsync(fixture, user.Token)));
        try
        {
            await Task.WhenAll(sockets.Select(async (socket, s) =>
            {
                for (var i = 0; i < perSender; i++)
                {
                    await socket.SendAsync(new { type = "send", @ref = $"{s}-{i}", room, text = $"sender {s} message {i}" });
                }

                await socket.WaitUntilAsync(frames => frames.Count(frame => WsClient.Type(frame) == "ack") == perSender);
            }));

            const int total = senders * perSender;
            await first.WaitUntilAsync(frames => Messages(frames, room).Count == total);
            await second.WaitUntilAsync(frames => Messages(frames, room).Count == total);
            var firstIds = Messages(first.Frames, room);
            var secondIds = Messages(second.Frames, room);
            Assert.Equal(firstIds, secondIds);
            Assert.Equal(firstIds.Order(), firstIds);
            Assert.Equal(total, firstIds.Distinct().Count());
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_client_that_drops_and_resumes_gets_every_missed_event_exactly_once()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);

        long lastSeen;
        await using (var bobWs = await WsClient.ConnectAsync(fixture, bob.Token))
        {
            await Subscribe(bobWs);
            var before = await alice.PostAsync(room, "before the drop");
            var seen = await bobWs.WaitForAsync(frame => IsMessage(frame, room) && frame.GetProperty("id").GetInt64() == before);
            lastSeen = seen.GetProperty("id").GetInt64();
            bobWs.Abort();
        }

        List<long> missed = [];
        for (var i = 0; i < 5; i++)
        {
            missed.Add(await alice.PostAsync(room, $"while away {i}"));
        }

        await using var again = await WsClient.ConnectAsync(fixture, bob.Token);
        await again.SendAsync(new { type = "subscribe", @ref = "resume", after = lastSeen });
        var subscribed = await again.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
        var live = await alice.PostAsync(room, "after the resume");
        await again.WaitForAsync(frame => IsMessage(frame, room) && frame.GetProperty("id").GetInt64() == live);

        var messages = Messages(again.Frames, room);
        Assert.Equal([.. missed, live], messages);
        Assert.True(subscribed.GetProperty("replayed").GetInt64() >= missed.Count);
        var subscribedAt = again.Frames.ToList().FindIndex(frame => WsClient.Type(frame) == "subscribed");
        var replayedBeforeSubscribed = again.Frames.Take(subscribedAt).Where(frame => IsMessage(frame, room)).Select(Id).ToList();
        Assert.Equal(missed, replayedBeforeSubscribed);
    }

    [Fact]
    public async Task A_repeated_send_with_the_same_key_yields_one_message()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        var room = await alice.CreateRoomAsync();
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        var key = Guid.NewGuid().ToString("N");

        await ws.SendAsync(new { type = "send", @ref = "first", room, text = "only once", key });
        await ws.SendAsync(new { type = "send", @ref = "retry", room, text = "only once", key });
        var first = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == "first");
        var retry = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == "retry");

        Assert.Equal(first.GetProperty("id").GetInt64(), retry.GetProperty("id").GetInt64());
        Assert.True(retry.GetProperty("duplicate").GetBoolean());
        using var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        var texts = history.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToList();
        Assert.Equal(["only once"], texts);
    }

    [Fact]
    public async Task Typing_reaches_the_other_members_but_not_outsiders()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        using var eve = await ChatUser.SignInAsync(fixture, "eve");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        await using var aliceWs = await WsClient.ConnectAsync(fixture, alice.Token);
        await using var bobWs = await WsClient.ConnectAsync(fixture, bob.Token);
        await using var eveWs = await WsClient.ConnectAsync(fixture, eve.Token);
        await Subscribe(bobWs);
        await Subscribe(eveWs);

        await aliceWs.SendAsync(new { type = "typing", room });
        var typing = await bobWs.WaitForAsync(frame => WsClient.Type(frame) == "typing");
        Assert.Equal(alice.Name, typing.GetProperty("user").GetString());
        Assert.Equal(room, typing.GetProperty("room").GetString());

        // Eve is in no room with Alice: a message Eve can see proves her feed is live, and no typing came before it.
        var eveRoom = await eve.CreateRoomAsync();
        var marker = await eve.PostAsync(eveRoom, "marker");
        await eveWs.WaitForAsync(frame => frame.TryGetProperty("id", out var id) && id.GetInt64() == marker);
        Assert.DoesNotContain(eveWs.Frames, frame => WsClient.Type(frame) == "typing");

        await eveWs.SendAsync(new { type = "typing", @ref = "t", room });
        var refused = await eveWs.WaitForAsync(frame => WsClient.Type(frame) == "error" && frame.GetProperty("ref").GetString() == "t");
        Assert.Equal("not_member", refused.GetProperty("code").GetString());
    }

    private static async Task Subscribe(WsClient client)
    {
        await client.SendAsync(new { type = "subscribe", @ref = "sub" });
        await client.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
    }

    private static bool IsMessage(JsonElement frame, string room) =>
        WsClient.Type(frame) == "message.created" && frame.GetProperty("room").GetString() == room;

    private static long Id(JsonElement frame) => frame.GetProperty("id").GetInt64();

    private static List<long> Messages(IReadOnlyList<JsonElement> frames, string room) =>
        [.. frames.Where(frame => IsMessage(frame, room)).Select(Id)];
}
