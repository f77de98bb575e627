using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Rooms;
using ChatMesh.Gateway.Tests.Telemetry;
using ChatMesh.Gateway.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.WebSockets;

/// <summary>
/// A client that stops reading fills the socket, then its bounded queue, and takes nothing for SlowConsumerTimeout:
/// it is cut off with close 4000, after the frames already on the wire, and nothing it did receive is out of order.
/// A client that reads, handed more than its queue at once (a catch-up burst), is caught up from the log instead, and
/// keeps its connection. (Through the AppHost's proxies the buffers are too deep to fill reliably, so the mechanism is
/// tested here on in-memory sockets.) The delivery metrics count what the client got: the connection, each event
/// written with its latency, and the slow-consumer cut.
/// </summary>
public sealed class SlowConsumerTests : IDisposable
{
    private readonly MetricRecorder _metrics = new();
    // The event log the stubbed chat service replays from: every event is "committed" here before it is dispatched.
    private readonly List<StoredEvent> _log = [];
    private int _replays;

    [Theory]
    [InlineData(0)]
    [InlineData(16 * 1024)]
    public async Task A_client_that_stops_reading_gets_its_buffered_frames_then_close_4000(int coalescedBytes)
    {
        using var sockets = new InMemoryWebSockets(serverToClientBytes: 16 * 1024, coalescedBytes);
        var hub = new CapturingHub();
        var options = new ChatWebSocketOptions
        {
            MaxQueuedFrames = 16, CloseTimeout = TimeSpan.FromSeconds(30), MaxCoalescedBytes = coalescedBytes, SlowConsumerTimeout = TimeSpan.FromMilliseconds(200),
        };
        await using var connection = new ChatConnection(sockets.Server, sockets.Coalescing, Context(options, hub), CancellationToken.None);
        var running = connection.RunAsync(CancellationToken.None);

        await Send(sockets.Client, """{"type":"subscribe"}""");
        await ReadUntil(sockets.Client, frame => Type(frame) == "subscribed");
        var subscriber = await hub.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // The client reads nothing while 200 events of 4 KB arrive: far more than 16 KB of pipe plus 16 frames.
        // Events arrive over time (the writer gets to run), as live traffic does.
        for (var id = 1; id <= 200; id++)
        {
            Dispatch(subscriber, id);
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        // Still not reading, past SlowConsumerTimeout: the cut comes while the client has taken nothing.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_metrics.Values("chatmesh.slow_consumer.disconnects", "websocket").Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the client that reads nothing was not cut off within 10 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var received = await ReceiveIdsUntilClosed(sockets.Client);
        Assert.Equal((WebSocketCloseStatus)4000, sockets.Client.CloseStatus);
        Assert.Equal("slow_consumer", sockets.Client.CloseStatusDescription);
        Assert.InRange(received.Count, 1, 199);
        Assert.Equal(Enumerable.Range(1, received.Count).Select(id => (long)id), received);

        await sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ok", TestContext.Current.CancellationToken);
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal([1.0], _metrics.Values("chatmesh.slow_consumer.disconnects", "websocket"));
        Assert.Equal([1.0, -1.0], _metrics.Values("chatmesh.connections.active", "websocket"));
        Assert.InRange(_metrics.Values("chatmesh.events.delivered", "websocket").Count, received.Count - 1, received.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16 * 1024)]
    public async Task A_reading_client_gets_every_event_in_order(int coalescedBytes)
    {
        using var sockets = new InMemoryWebSockets(serverToClientBytes: 16 * 1024, coalescedBytes);
        var hub = new CapturingHub();
        var options = new ChatWebSocketOptions { MaxQueuedFrames = 256, MaxCoalescedBytes = coalescedBytes };
        await using var connection = new ChatConnection(sockets.Server, sockets.Coalescing, Context(options, hub), CancellationToken.None);
        var running = connection.RunAsync(CancellationToken.None);
        await Send(sockets.Client, """{"type":"subscribe"}""");
        await ReadUntil(sockets.Client, frame => Type(frame) == "subscribed");
        var subscriber = await hub.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var reading = ReadUntil(sockets.Client, frame => frame.GetProperty("id").GetInt64() == 100);
        for (var id = 1; id <= 100; id++)
        {
            Dispatch(subscriber, id);
        }

        var frames = await reading;
        Assert.Equal(Enumerable.Range(1, 100).Select(id => (long)id), frames.Where(frame => frame.TryGetProperty("id", out _)).Select(frame => frame.GetProperty("id").GetInt64()));
        await sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(100, _metrics.Values("chatmesh.events.delivered", "websocket").Count);
        // Each event's ts is its commit time: 100 latencies, none negative, none absurd.
        var latencies = _metrics.Values("chatmesh.delivery.latency", "websocket");
        Assert.Equal(100, latencies.Count);
        Assert.All(latencies, seconds => Assert.InRange(seconds, 0, 60));
        Assert.Empty(_metrics.Values("chatmesh.slow_consumer.disconnects", "websocket"));
    }

    /// <summary>
    /// A reading client handed far more than MaxQueuedFrames at once (an instance catching up from the outbox after a
    /// broker outage dispatches the outage's events in one go) is not a slow consumer: its connection drops the burst,
    /// catches up from the log at the client's pace, and the client gets every event once, in id order, and the
    /// answer to a frame it sent meanwhile (control frames have room of their own), without a close.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(16 * 1024)]
    public async Task A_burst_larger_than_the_queue_to_a_reading_client_is_caught_up_from_the_log_without_a_close(int coalescedBytes)
    {
        using var sockets = new InMemoryWebSockets(serverToClientBytes: 16 * 1024, coalescedBytes);
        var hub = new CapturingHub();
        var options = new ChatWebSocketOptions
        {
            MaxQueuedFrames = 16, MaxCoalescedBytes = coalescedBytes, ReplayBatchSize = 7, SlowConsumerTimeout = TimeSpan.FromSeconds(30),
        };
        await using var connection = new ChatConnection(sockets.Server, sockets.Coalescing, Context(options, hub), CancellationToken.None);
        var running = connection.RunAsync(CancellationToken.None);
        await Send(sockets.Client, """{"type":"subscribe"}""");
        await ReadUntil(sockets.Client, frame => Type(frame) == "subscribed");
        var subscriber = await hub.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        const int count = 600;
        var reading = ReadUntil(sockets.Client, frame => frame.TryGetProperty("id", out var id) && id.GetInt64() == count);
        for (var id = 1; id <= count; id++)
        {
            Dispatch(subscriber, id);
            if (id == 300)
            {
                await Send(sockets.Client, """{"type":"ping","ref":"mid-burst"}""");
            }
        }

        var frames = await reading;
        Assert.Equal(Enumerable.Range(1, count).Select(id => (long)id), frames.Where(frame => frame.TryGetProperty("id", out _)).Select(frame => frame.GetProperty("id").GetInt64()));
        Assert.Contains(frames, frame => Type(frame) == "pong" && frame.GetProperty("ref").GetString() == "mid-burst");
        // The burst did go through the catch-up (the queue holds 16), and the connection is still the client's to close.
        Assert.True(Volatile.Read(ref _replays) > 0, "the burst never left the feed behind: the test proved nothing");
        await sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
        Assert.Null(await Receive(sockets.Client));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, sockets.Client.CloseStatus);
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Empty(_metrics.Values("chatmesh.slow_consumer.disconnects", "websocket"));
        Assert.Equal(count, _metrics.Values("chatmesh.events.delivered", "websocket").Count);
    }

    /// <summary>
    /// A burst that leaves the feed behind while Redis cannot serve the catch-up (a restart or a failover) ends the
    /// connection with the transient answer, close 1013 <c>store_unavailable</c>, so the client reconnects after a
    /// moment and resumes; a failure that is not the store's is a server error, close 1011 <c>internal_error</c>.
    /// Either way, what the client did get is in order and without a gap: a resume from its last id misses nothing.
    /// </summary>
    [Theory]
    [InlineData(true, 1013, "store_unavailable")]
    [InlineData(false, 1011, "internal_error")]
    public async Task A_catch_up_that_fails_on_the_store_closes_with_the_answer_for_its_cause(bool transient, int closeStatus, string reason)
    {
        using var sockets = new InMemoryWebSockets(serverToClientBytes: 16 * 1024, coalescedBytes: 0);
        var hub = new CapturingHub();
        var options = new ChatWebSocketOptions { MaxQueuedFrames = 16, ReplayBatchSize = 7, SlowConsumerTimeout = TimeSpan.FromSeconds(30) };
        Exception failure = transient
            ? new RedisConnectionException(ConnectionFailureType.SocketFailure, "No connection is active/available to service this operation")
            : new InvalidOperationException("a bug in the replay");
        await using var connection = new ChatConnection(sockets.Server, sockets.Coalescing, Context(options, hub, replayFails: failure), CancellationToken.None);
        var running = connection.RunAsync(CancellationToken.None);
        var subscriber = await SubscribeAsync(sockets.Client, hub);
        foreach (var id in Enumerable.Range(1, 200))
        {
            Dispatch(subscriber, id);
        }

        var received = await ReceiveIdsUntilClosed(sockets.Client);
        Assert.True(Volatile.Read(ref _replays) > 0, "the burst never left the feed behind: the test proved nothing");
        Assert.Equal((WebSocketCloseStatus)closeStatus, sockets.Client.CloseStatus);
        Assert.Equal(reason, sockets.Client.CloseStatusDescription);
        Assert.InRange(received.Count, 1, 199);
        Assert.Equal(Enumerable.Range(1, received.Count).Select(id => (long)id), received);
        await sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ok", TestContext.Current.CancellationToken);
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// A stopping gateway (graceful shutdown, resource restart) drains what each connection has queued, then says why
    /// it closes (1001 server_shutdown), and the connection ends at once when the client answers the close: with
    /// coalesced writes too, where the queued frames sit in the collected run when the stop comes.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(16 * 1024)]
    public async Task A_stopping_server_writes_what_is_queued_then_closes_1001(int coalescedBytes)
    {
        using var sockets = new InMemoryWebSockets(serverToClientBytes: 1024 * 1024, coalescedBytes);
        var hub = new CapturingHub();
        // A CloseTimeout far longer than the test's bound: a close that waits for it would fail the test.
        var options = new ChatWebSocketOptions { MaxQueuedFrames = 256, CloseTimeout = TimeSpan.FromMinutes(5), MaxCoalescedBytes = coalescedBytes };
        using var stopping = new CancellationTokenSource();
        await using var connection = new ChatConnection(sockets.Server, sockets.Coalescing, Context(options, hub), CancellationToken.None);
        var running = connection.RunAsync(stopping.Token);
        await Send(sockets.Client, """{"type":"subscribe"}""");
        await ReadUntil(sockets.Client, frame => Type(frame) == "subscribed");
        var subscriber = await hub.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        for (var id = 1; id <= 100; id++)
        {
            Dispatch(subscriber, id);
        }

        await stopping.CancelAsync();
        List<long> received = [];
        while (await Receive(sockets.Client) is { } frame)
        {
            received.Add(frame.GetProperty("id").GetInt64());
        }

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, sockets.Client.CloseStatus);
        Assert.Equal("server_shutdown", sockets.Client.CloseStatusDescription);
        Assert.Equal(Enumerable.Range(1, 100).Select(id => (long)id), received);
        await sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", TestContext.Current.CancellationToken);
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    /// <param name="replayFails">When set, every read of the log (a catch-up's replay) fails with it.</param>
    private ConnectionContext Context(ChatWebSocketOptions options, ILiveEventHub hub, Exception? replayFails = null)
    {
        var chat = Stub<IChatService>.Create(new()
        {
            [nameof(IChatService.ListMyRoomsAsync)] = _ => Task.FromResult<IReadOnlyList<MyRoom>>([]),
            [nameof(IChatService.GetHeadAsync)] = _ => Task.FromResult(0L),
            [nameof(IChatService.ReplayAsync)] = args => replayFails is null
                ? Task.FromResult(Replay((long)args![1]!, (int)args[2]!))
                : Task.FromException<Replay>(CountedFailure(replayFails)),
        });
        return new ConnectionContext("bob", "connection-1", null, options, chat, hub, Typing: null!, Tokens: null!, TimeProvider.System, NullLogger.Instance, _metrics.Metrics);
    }

    /// <summary>Commits event <paramref name="id"/> to the test's log, then hands it to the subscriber, as the hub does.</summary>
    private void Dispatch(ILiveSubscriber subscriber, long id)
    {
        var json = Event(id);
        lock (_log)
        {
            _log.Add(new StoredEvent(id, "message.created", "room", null, json));
        }

        subscriber.OnEvent(new LiveEvent(id, "message.created", "room", null, json));
    }

    private Exception CountedFailure(Exception failure)
    {
        Interlocked.Increment(ref _replays);
        return failure;
    }

    private Replay Replay(long after, int limit)
    {
        Interlocked.Increment(ref _replays);
        lock (_log)
        {
            var events = _log.Where(stored => stored.Id > after).Take(limit).ToList();
            var head = _log.Count == 0 ? 0 : _log[^1].Id;
            return new Replay(events, Reset: false, More: events.Count > 0 && events[^1].Id < head, head);
        }
    }

    private static byte[] Event(long id) =>
        Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"message.created","room":"room","ts":"{{{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}}","data":{"text":"{{{new string('x', 4000)}}}"}}""");

    private static Task Send(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);

    /// <summary>Subscribes the client (waits for its <c>subscribed</c>) and returns the feed the hub was handed.</summary>
    private static async Task<ILiveSubscriber> SubscribeAsync(WebSocket client, CapturingHub hub)
    {
        await Send(client, """{"type":"subscribe"}""");
        await ReadUntil(client, frame => Type(frame) == "subscribed");
        return await hub.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    /// <summary>The ids of the event frames the client reads until the server's close frame.</summary>
    private static async Task<List<long>> ReceiveIdsUntilClosed(WebSocket client)
    {
        List<long> received = [];
        while (await Receive(client) is { } frame)
        {
            received.Add(frame.GetProperty("id").GetInt64());
        }

        return received;
    }

    private static string? Type(JsonElement frame) => frame.TryGetProperty("type", out var type) ? type.GetString() : null;

    private static async Task<List<JsonElement>> ReadUntil(WebSocket socket, Func<JsonElement, bool> match)
    {
        List<JsonElement> frames = [];
        while (await Receive(socket) is { } frame)
        {
            frames.Add(frame);
            if (match(frame))
            {
                return frames;
            }
        }

        throw new InvalidOperationException($"Closed ({socket.CloseStatus}) before the expected frame.");
    }

    /// <summary>One whole message (reassembled from fragments), or null at the close frame.</summary>
    private static async Task<JsonElement?> Receive(WebSocket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }

    private sealed class CapturingHub : ILiveEventHub
    {
        public TaskCompletionSource<ILiveSubscriber> Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long LastDispatchedId => 0;

        public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms)
        {
            Subscribed.TrySetResult(subscriber);
            return new Unsubscribe();
        }

        private sealed class Unsubscribe : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    public void Dispose() => _metrics.Dispose();
}
