using System.Globalization;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.EndToEnd.Tests.Telemetry;
using StackExchange.Redis;

namespace ChatMesh.EndToEnd.Tests.LongPoll;

/// <summary>
/// Two legacy replicas behind one endpoint: any instance serves any poll of any queue, a held poll on either is woken by
/// a WebSocket send, and the per-user held-poll cap counts the polls of both. Each answer names its instance
/// (<c>ChatMesh-Instance</c>); a fresh connection may reach either, so the tests repeat until both have answered.
/// </summary>
public sealed class LongPollReplicaTests(ChatMeshAppFixture fixture) : IAsyncDisposable
{
    private const int Attempts = 40;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_queue_registered_on_one_replica_is_polled_and_acknowledged_on_the_other()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-rep");
        var room = Names.Room("rep");
        await alice.CreateRoomAsync(room);
        string queue, registeredOn;
        long start;
        using (var client = PollClient.For(fixture, alice))
        using (var register = await client.RegisterRawAsync())
        {
            var body = await Json.ReadAsync(register, HttpStatusCode.OK);
            (queue, start, registeredOn) = (body.GetProperty("queueId").GetString()!, body.GetProperty("lastEventId").GetInt64(), PollClient.Instance(register));
        }

        var first = await alice.PostMessageAsync(room, "one");
        var second = await alice.PostMessageAsync(room, "two");

        // Served by the other replica: the same events, whichever instance it is.
        var (served, servedOn) = await PollElsewhereAsync(alice, queue, $"lastEventId={start}&timeout=1", registeredOn, HttpStatusCode.OK);
        Assert.Equal([first, second], Ids(served));
        var cursor = served.GetProperty("lastEventId").GetInt64();

        // Acknowledged on whichever instance takes it, refused as behind the acknowledgement on the other one.
        using var ackClient = PollClient.For(fixture, alice);
        using var ack = await ackClient.PollRawAsync(queue, $"lastEventId={cursor}&timeout=1");
        var acked = await Json.ReadAsync(ack, HttpStatusCode.OK);
        Assert.Empty(Ids(acked));
        var (behind, behindOn) = await PollElsewhereAsync(alice, queue, $"lastEventId={start}&timeout=1", PollClient.Instance(ack), HttpStatusCode.BadRequest);
        Assert.Equal("cursor_behind_ack", behind.GetProperty("error").GetString());
        Assert.Equal(cursor, behind.GetProperty("ackedEventId").GetInt64());
        Assert.NotEqual(PollClient.Instance(ack), behindOn);
        Assert.NotEqual(registeredOn, servedOn);
    }

    [Fact]
    public async Task A_held_poll_on_either_replica_is_woken_by_a_websocket_send_exactly_once()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-wake");
        using var bob = await ApiUser.SignInAsync(fixture, "lp-wakeb");
        var room = Names.Room("wake");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        await using var ws = await WsClient.ConnectAsync(fixture, PollClient.Token(alice));
        using var register = PollClient.For(fixture, bob);
        var (queue, cursor, _) = await register.RegisterAsync();

        var wokenOn = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; wokenOn.Count < 2; i++)
        {
            Assert.True(i < Attempts, $"{Attempts} held polls were all answered by {string.Join(", ", wokenOn)}; are 2 legacy replicas running?");
            using var client = PollClient.For(fixture, bob);
            var held = client.PollRawAsync(queue, $"lastEventId={cursor}&timeout=30");
            await WaitUntilHeldAsync(bob.Id, held);

            var text = $"wake {i}";
            await ws.SendAsync(new { type = "send", @ref = $"w{i}", room, text });
            var sent = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == $"w{i}");
            using var response = await held;
            var answer = new PollAnswer(await Json.ReadAsync(response, HttpStatusCode.OK));

            Assert.False(answer.Heartbeat);
            Assert.Equal([sent.GetProperty("id").GetInt64()], answer.Ids);
            Assert.True(PollAnswer.IsMessage(answer.Events[0], text));
            cursor = answer.LastEventId;
            wokenOn.Add(PollClient.Instance(response));
        }
    }

    [Fact]
    public async Task The_held_poll_cap_counts_the_polls_held_on_every_replica()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-cap");
        var room = Names.Room("cap");
        await alice.CreateRoomAsync(room);
        var queues = new List<(string Id, long Start)>();
        using (var register = PollClient.For(fixture, alice))
        {
            for (var i = 0; i <= LegacyOverrides.MaxHeldPollsPerUser; i++)
            {
                var (queue, start, _) = await register.RegisterAsync();
                queues.Add((queue, start));
            }
        }

        // Each held poll on its own connection, so they spread over the replicas.
        var clients = queues.Select(_ => PollClient.For(fixture, alice)).ToList();
        try
        {
            Task<HttpResponseMessage> Hold(int i) => clients[i].PollRawAsync(queues[i].Id, $"lastEventId={queues[i].Start}&timeout=30");
            var held = Enumerable.Range(0, LegacyOverrides.MaxHeldPollsPerUser).Select(Hold).ToArray();
            var (extra, extraStart) = queues[^1];
            var refusedBy = new HashSet<string>(StringComparer.Ordinal);
            for (var attempt = 0; refusedBy.Count < 2; attempt++)
            {
                Assert.True(attempt < 3 * Attempts, $"The cap was refused only by {string.Join(", ", refusedBy)}.");
                for (var i = 0; i < held.Length; i++)
                {
                    if (held[i].IsCompleted)
                    {
                        // A probe took the slot before this poll did; it is simply sent again.
                        using var early = await held[i];
                        await Json.ProblemAsync(early, HttpStatusCode.TooManyRequests, "too_many_held_polls");
                        held[i] = Hold(i);
                    }
                }

                using var probeClient = PollClient.For(fixture, alice);
                using var probe = await probeClient.PollRawAsync(extra, $"lastEventId={extraStart}&timeout=1");
                if (probe.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    await Json.ProblemAsync(probe, HttpStatusCode.TooManyRequests, "too_many_held_polls");
                    refusedBy.Add(PollClient.Instance(probe));
                    continue;
                }

                extraStart = (await Json.ReadAsync(probe, HttpStatusCode.OK)).GetProperty("lastEventId").GetInt64();
            }

            // Both replicas refused: at least one of them holds fewer than the cap itself, so the count is global.
            var id = await alice.PostMessageAsync(room, "wake up");
            foreach (var response in await Task.WhenAll(held))
            {
                using (response)
                {
                    Assert.Equal([id], new PollAnswer(await Json.ReadAsync(response, HttpStatusCode.OK)).Ids);
                }
            }
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task Holds_left_by_a_crashed_instance_stop_counting_once_their_leases_run_out()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-crash");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        // What an instance that died mid-hold leaves behind: leases nobody will release, running out in 3 s.
        var until = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeMilliseconds();
        var db = await RedisAsync();
        await db.SortedSetAddAsync(HeldKey(alice.Id),
            [.. Enumerable.Range(0, LegacyOverrides.MaxHeldPollsPerUser).Select(i => new SortedSetEntry($"crashed-{i}", until))]);

        using (var refused = await poll.PollRawAsync(queue, $"lastEventId={start}&timeout=1"))
        {
            await Json.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "too_many_held_polls");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await poll.PollRawAsync(queue, $"lastEventId={start}&timeout=1");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.True((await Json.ReadAsync(response, HttpStatusCode.OK)).GetProperty("heartbeat").GetBoolean());
                break;
            }

            await Json.ProblemAsync(response, HttpStatusCode.TooManyRequests, "too_many_held_polls");
            Assert.True(DateTime.UtcNow < deadline, "The crashed instance's holds still count after their leases ran out.");
            await Task.Delay(250, Cancel);
        }

        // The crashed instance's leases are gone; the answered poll's own lease, kept for a re-poll, is given back once
        // the re-poll window passes without one.
        while (await db.SortedSetLengthAsync(HeldKey(alice.Id)) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "A lease was still counted after the re-poll window.");
            await Task.Delay(100, Cancel);
        }
    }

    [Fact]
    public async Task A_woken_poll_answers_from_the_live_event_in_the_senders_trace_without_its_text()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-trace");
        var room = Names.Room("trace");
        await alice.CreateRoomAsync(room);
        await using var ws = await WsClient.ConnectAsync(fixture, PollClient.Token(alice));
        using var poll = PollClient.For(fixture, alice);
        var (queue, cursor, _) = await poll.RegisterAsync();

        // The poll must be asleep when the event comes for a live answer; when it was still reading, the log answered
        // (correctly, but in no trace), and the test tries again.
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 10, "No woken poll answered from a live event in 10 attempts.");
            var held = poll.PollRawAsync(queue, $"lastEventId={cursor}&timeout=30");
            await WaitUntilHeldAsync(alice.Id, held);
            var secret = $"secret {Guid.NewGuid():N}";
            await ws.SendAsync(new { type = "send", @ref = $"t{attempt}", room, text = secret });
            var ack = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == $"t{attempt}");
            var eventId = ack.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture);
            using var response = await held;
            cursor = (await Json.ReadAsync(response, HttpStatusCode.OK)).GetProperty("lastEventId").GetInt64();

            var deliver = await SpanAsync(span => span.Name == "longpoll deliver" && span.Attributes.GetValueOrDefault("chatmesh.event_id") == eventId);
            if (deliver.Attributes.GetValueOrDefault("chatmesh.longpoll.source") != "live")
            {
                continue;
            }

            var send = await SpanAsync(span => span.Name == "ws send" && span.Attributes.GetValueOrDefault("chatmesh.event_id") == eventId);
            Assert.Equal(send.TraceId, deliver.TraceId);
            Assert.StartsWith("legacy", deliver.Service, StringComparison.Ordinal);
            Assert.Equal("longpoll", deliver.Attributes["chatmesh.channel"]);
            Assert.Equal(room, deliver.Attributes["chatmesh.room"]);
            Assert.Equal("1", deliver.Attributes["chatmesh.event_count"]);
            Assert.Equal(eventId, deliver.Attributes["chatmesh.event_ids"]);
            Assert.DoesNotContain(deliver.Attributes.Values, value => value.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(deliver.Attributes.Values, value => value.Contains(PollClient.Token(alice), StringComparison.Ordinal));
            return;
        }
    }

    /// <summary>Polls on fresh connections until an instance other than <paramref name="notOn"/> answers; returns its body.</summary>
    private async Task<(JsonElement Body, string Instance)> PollElsewhereAsync(ApiUser user, string queue, string query, string notOn, HttpStatusCode expected)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            using var client = PollClient.For(fixture, user);
            using var response = await client.PollRawAsync(queue, query);
            var body = await Json.ReadAsync(response, expected);
            var instance = PollClient.Instance(response);
            if (instance != notOn)
            {
                return (body, instance);
            }
        }

        throw new InvalidOperationException($"{Attempts} polls all reached instance {notOn}; are 2 legacy replicas running?");
    }

    /// <summary>Waits until the user holds a poll (its lease is in Redis), or fails if the poll ended first.</summary>
    private async Task WaitUntilHeldAsync(string user, Task<HttpResponseMessage> held)
    {
        var db = await RedisAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await db.SortedSetLengthAsync(HeldKey(user)) == 0)
        {
            Assert.False(held.IsCompleted, "The poll ended before it was held.");
            Assert.True(DateTime.UtcNow < deadline, "The poll was never held.");
            await Task.Delay(20, Cancel);
        }
    }

    private async Task<CollectedSpan> SpanAsync(Func<CollectedSpan, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (fixture.Telemetry.Spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }

            Assert.True(DateTime.UtcNow < deadline, "The span never arrived.");
            await Task.Delay(100, Cancel);
        }
    }

    private static RedisKey HeldKey(string user) => $"legacy:user:{user}:held";

    private static IReadOnlyList<long> Ids(JsonElement body) => [.. body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64())];

    private ConnectionMultiplexer? _redis;

    private async Task<IDatabase> RedisAsync()
    {
        _redis ??= await ConnectionMultiplexer.ConnectAsync((await fixture.App.GetConnectionStringAsync("redis", Cancel))!);
        return _redis.GetDatabase();
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
