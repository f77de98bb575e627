using System.Diagnostics;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.LongPoll;

/// <summary>Long-polling against the real system: delivery, the cursor's exactly-once contract, filters, state, the edge.</summary>
public sealed class LongPollDeliveryTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task A_held_poll_through_the_edge_returns_a_message_sent_over_websocket_well_before_its_timeout()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-alice");
        using var bob = await ApiUser.SignInAsync(fixture, "lp-bob");
        var room = Names.Room("lp");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        await using var aliceWs = await WsClient.ConnectAsync(fixture, PollClient.Token(alice));
        using var bobPoll = PollClient.For(fixture, bob, resource: "web");
        var (queue, start, _) = await bobPoll.RegisterAsync();

        var clock = Stopwatch.StartNew();
        var held = bobPoll.PollAsync(queue, start, "timeout=30");
        await aliceWs.SendAsync(new { type = "send", @ref = "m1", room, text = "to the poller" });
        var ack = await aliceWs.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == "m1");
        var answer = await held;
        clock.Stop();

        Assert.False(answer.Heartbeat);
        var message = Assert.Single(answer.Events, e => PollAnswer.IsMessage(e, "to the poller"));
        Assert.Equal(ack.GetProperty("id").GetInt64(), message.GetProperty("id").GetInt64());
        Assert.Equal(alice.Id, message.GetProperty("actor").GetString());
        Assert.True(answer.LastEventId >= ack.GetProperty("id").GetInt64());
        // Not a heartbeat, and nowhere near the 30 s hold: the live fan-out woke the poll.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The poll took {clock.Elapsed}.");
    }

    [Fact]
    public async Task A_lost_response_is_recovered_by_polling_again_with_the_same_cursor_exactly_once()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-lost");
        var room = Names.Room("lost");
        await alice.CreateRoomAsync(room);
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();
        var first = await alice.PostMessageAsync(room, "one");
        var second = await alice.PostMessageAsync(room, "two");

        var lost = await poll.PollAsync(queue, start);
        var again = await poll.PollAsync(queue, start);

        Assert.Equal([first, second], lost.Ids);
        Assert.Equal(lost.Ids, again.Ids);
        // The same events; the cursor may have moved further, past events of other rooms committed in between.
        Assert.True(again.LastEventId >= lost.LastEventId);
        Assert.Equal(lost.Body.GetProperty("events")[0].GetRawText(), again.Body.GetProperty("events")[0].GetRawText());

        // Acknowledge: nothing comes twice, and the queue refuses to go back before what it acknowledged.
        var next = await poll.PollAsync(queue, again.LastEventId);
        Assert.Empty(next.Events);
        var third = await alice.PostMessageAsync(room, "three");
        var after = await poll.PollAsync(queue, next.LastEventId);
        Assert.Equal([third], after.Ids);
        using var behind = await poll.PollRawAsync(queue, $"lastEventId={start}&dont_block=true");
        var problem = await Json.ProblemAsync(behind, HttpStatusCode.BadRequest, "cursor_behind_ack");
        Assert.Equal(next.LastEventId, problem.GetProperty("ackedEventId").GetInt64());
    }

    [Fact]
    public async Task A_client_re_polling_at_once_gets_every_message_once_in_order_and_each_cursor_is_acknowledged()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-repoll");
        var room = Names.Room("repoll");
        await alice.CreateRoomAsync(room);
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        // Messages go out while the client polls: some wake a held poll, some land between an answer and the next poll
        // (which the instance then answers from what it kept, without Redis).
        const int Count = 30;
        var sending = Task.Run(async () =>
        {
            List<long> ids = [];
            for (var i = 0; i < Count; i++)
            {
                ids.Add(await alice.PostMessageAsync(room, $"m{i}"));
            }

            return ids;
        });
        var cursor = start;
        List<long> received = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (received.Count < Count)
        {
            var answer = await poll.PollAsync(queue, cursor, "timeout=5");
            received.AddRange(answer.Ids);
            cursor = answer.LastEventId;
            Assert.True(DateTime.UtcNow < deadline, $"Got {received.Count} of {Count} messages.");
        }

        Assert.Equal(await sending, received);
        // The cursors were acknowledged in Redis: a poll from the start, on whichever instance, is refused.
        using var other = PollClient.For(fixture, alice);
        using var behind = await other.PollRawAsync(queue, $"lastEventId={start}&dont_block=true");
        await Json.ProblemAsync(behind, HttpStatusCode.BadRequest, "cursor_behind_ack");
    }

    [Fact]
    public async Task Without_lastEventId_a_poll_continues_from_the_acknowledged_cursor()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-noid");
        var room = Names.Room("noid");
        await alice.CreateRoomAsync(room);
        using var poll = PollClient.For(fixture, alice);
        var (queue, _, _) = await poll.RegisterAsync();
        var id = await alice.PostMessageAsync(room, "hello");

        var answer = await poll.PollAsync(queue, lastEventId: null);

        Assert.Equal([id], answer.Ids);
    }

    [Fact]
    public async Task Dont_block_answers_at_once_with_an_empty_batch_that_is_not_a_heartbeat()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-short");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        var answer = await poll.PollAsync(queue, start);

        Assert.Empty(answer.Events);
        Assert.False(answer.Heartbeat);
        Assert.True(answer.LastEventId >= start);
    }

    [Fact]
    public async Task A_held_poll_without_events_ends_with_an_empty_heartbeat_batch()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-beat");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        var answer = await poll.PollAsync(queue, start, "timeout=1");

        Assert.Empty(answer.Events);
        Assert.True(answer.Heartbeat);
        Assert.True(answer.LastEventId >= start);
        Assert.False(answer.Body.TryGetProperty("reset", out _));
    }

    [Fact]
    public async Task A_queue_filtered_by_room_and_type_delivers_only_those_and_its_cursor_moves_past_the_rest()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-filter");
        var wanted = Names.Room("want");
        var other = Names.Room("other");
        await alice.CreateRoomAsync(wanted);
        await alice.CreateRoomAsync(other);
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync(new { rooms = new[] { wanted }, types = new[] { "message.created" } });

        await alice.PostMessageAsync(other, "elsewhere");
        var id = await alice.PostMessageAsync(wanted, "here");
        var answer = await poll.PollUntilAsync(queue, start, events => events.Count > 0);

        var only = Assert.Single(answer.AllEvents!);
        Assert.Equal(id, only.GetProperty("id").GetInt64());
        Assert.Equal(wanted, only.GetProperty("room").GetString());
    }

    [Fact]
    public async Task Registering_with_state_gives_the_rooms_with_unread_counts_and_the_queue_continues_from_there()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-state");
        using var bob = await ApiUser.SignInAsync(fixture, "lp-state-b");
        var room = Names.Room("state");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        await alice.PostMessageAsync(room, "before 1");
        await alice.PostMessageAsync(room, "before 2");
        using var poll = PollClient.For(fixture, bob);

        var (queue, start, body) = await poll.RegisterAsync(new { includeState = true });
        var after = await alice.PostMessageAsync(room, "after");

        var state = body.GetProperty("state");
        var mine = Assert.Single(state.GetProperty("rooms").EnumerateArray(), r => r.GetProperty("room").GetProperty("id").GetString() == room);
        Assert.Equal(2, mine.GetProperty("unread").GetInt64());
        Assert.True(mine.GetProperty("room").GetProperty("lastEventId").GetInt64() <= start);
        var answer = await poll.PollUntilAsync(queue, start, events => events.Any(e => e.GetProperty("id").GetInt64() == after));
        Assert.Equal([after], answer.AllEvents!.Select(e => e.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task A_queue_lives_in_redis_so_any_instance_and_route_serves_it()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-any");
        var room = Names.Room("any");
        await alice.CreateRoomAsync(room);
        using var direct = PollClient.For(fixture, alice, "legacy");
        using var edge = PollClient.For(fixture, alice, "web");
        var (queue, cursor, _) = await edge.RegisterAsync();

        List<long> posted = [], received = [];
        for (var i = 0; i < 6; i++)
        {
            posted.Add(await alice.PostMessageAsync(room, $"message {i}"));
            // Fresh connections each time, alternating the route: no affinity to any instance.
            using var client = PollClient.For(fixture, alice, i % 2 == 0 ? "legacy" : "web");
            var answer = await client.PollUntilAsync(queue, cursor, events => events.Count > 0);
            received.AddRange(answer.AllEvents!.Select(e => e.GetProperty("id").GetInt64()));
            cursor = answer.LastEventId;
        }

        Assert.Equal(posted, received);
    }

    [Fact]
    public async Task An_idle_queue_expires_and_the_client_registers_again()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-expire");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        // Expiry needs the idle timeout to pass without a poll; each probe that finds the queue alive restarts it, so
        // probes are spaced just beyond the timeout, until the deadline.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        HttpResponseMessage response;
        while (true)
        {
            await Task.Delay(LegacyOverrides.QueueIdleTimeout + TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            response = await poll.PollRawAsync(queue, $"lastEventId={start}&dont_block=true");
            if (response.StatusCode != HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                break;
            }

            response.Dispose();
        }

        using (response)
        {
            await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "queue_expired");
        }

        var (fresh, freshStart, _) = await poll.RegisterAsync();
        Assert.NotEqual(queue, fresh);
        var answer = await poll.PollAsync(fresh, freshStart);
        Assert.Empty(answer.Events);
    }
}
