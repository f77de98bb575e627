using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Rooms;
using ChatMesh.Gateway.Tests.Telemetry;
using ChatMesh.Gateway.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.WebSockets;

/// <summary>
/// The receive loop waits for each message with a zero-byte read and rents its buffer only then: whatever the
/// shape of the message on the wire (fragments sent apart, empty, binary, at or over the limit), the client gets the
/// documented answer, and the connection keeps working after an idle wait.
/// </summary>
public sealed class ReceiveLoopTests : IDisposable
{
    private const int MaxFrameBytes = 2048;
    private readonly MetricRecorder _metrics = new();
    private readonly InMemoryWebSockets _sockets = new(serverToClientBytes: 64 * 1024);

    [Fact]
    public async Task A_message_sent_in_fragments_with_pauses_between_them_is_one_frame()
    {
        await using var connection = Start(out var running);
        await ReadUntil(frame => Type(frame) == "hello");

        var fragments = new[] { """{"type":""", "\"ping\",\"ref\":", "\"in-pieces\"}" };
        for (var i = 0; i < fragments.Length; i++)
        {
            await _sockets.Client.SendAsync(Encoding.UTF8.GetBytes(fragments[i]), WebSocketMessageType.Text, i == fragments.Length - 1, Token);
            await Task.Delay(20, Token);
        }

        var pong = await ReadUntil(frame => Type(frame) == "pong");
        Assert.Equal("in-pieces", pong.GetProperty("ref").GetString());
        await CloseAsync(running);
    }

    [Fact]
    public async Task Empty_binary_and_non_json_messages_get_error_frames_and_the_connection_stays_usable()
    {
        await using var connection = Start(out var running);
        await ReadUntil(frame => Type(frame) == "hello");

        await _sockets.Client.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, true, Token);
        await _sockets.Client.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, Token);
        await Send("not json");
        await Task.Delay(50, Token);
        await Send("""{"type":"ping","ref":"after-idle"}""");

        var frames = new List<JsonElement>();
        while (frames.Count == 0 || Type(frames[^1]) != "pong")
        {
            frames.Add(await Receive());
        }

        Assert.Equal(["invalid_json", "invalid_frame", "invalid_json"],
            frames.Where(frame => Type(frame) == "error").Select(frame => frame.GetProperty("code").GetString()));
        Assert.Equal("after-idle", frames[^1].GetProperty("ref").GetString());
        await CloseAsync(running);
    }

    [Fact]
    public async Task A_message_of_exactly_MaxFrameBytes_is_carried_out_and_one_byte_more_closes_with_1009()
    {
        await using var connection = Start(out var running);
        await ReadUntil(frame => Type(frame) == "hello");

        await Send(Padded("{\"type\":\"ping\",\"ref\":\"at-limit\",\"pad\":", MaxFrameBytes));
        Assert.Equal("at-limit", (await ReadUntil(frame => Type(frame) == "pong")).GetProperty("ref").GetString());

        await Send(Padded("{\"type\":\"ping\",\"ref\":\"over\",\"pad\":", MaxFrameBytes + 1));
        while (true)
        {
            var result = await _sockets.Client.ReceiveAsync(new byte[4096], Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
        }

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, _sockets.Client.CloseStatus);
        await _sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ok", Token);
        await running.WaitAsync(TimeSpan.FromSeconds(10), Token);
    }

    /// <summary>
    /// A client over the frame rate must learn which frame was dropped: the rate_limited error echoes the frame's ref
    /// (a client waiting for that frame's answer would otherwise wait for nothing; the fault suite's senders did, 10 s).
    /// </summary>
    [Fact]
    public async Task A_rate_limited_frame_is_answered_with_an_error_that_names_its_ref()
    {
        await using var connection = Start(out var running, new ChatWebSocketOptions
        {
            MaxFrameBytes = MaxFrameBytes, CloseTimeout = TimeSpan.FromSeconds(5), FrameBurst = 2, FramesPerSecond = 0.001,
        });
        await ReadUntil(frame => Type(frame) == "hello");

        await Send("""{"type":"ping","ref":"p1"}""");
        await Send("""{"type":"ping","ref":"p2"}""");
        await Send("""{"type":"send","room":"r","text":"hi","key":"k3","ref":"s3"}""");
        await Send("""{"ref":"s4","type":"send","nested":{"ref":"not-this"},"room":"r","text":"hi"}""");
        await Send("""{"type":"ping"}""");
        await Send($$"""{"type":"ping","ref":"{{new string('x', 65)}}"}""");
        await Send("""{"type":"ping","ref":5}""");

        List<JsonElement> frames = [];
        for (var i = 0; i < 7; i++)
        {
            frames.Add(await Receive());
        }

        Assert.Equal(["pong", "pong", "error", "error", "error", "error", "error"], frames.Select(Type));
        Assert.All(frames.Skip(2), frame => Assert.Equal("rate_limited", frame.GetProperty("code").GetString()));
        Assert.Equal(["p1", "p2", "s3", "s4", null, null, null], frames.Select(frame => frame.TryGetProperty("ref", out var reference) ? reference.GetString() : null));
        await CloseAsync(running);
    }

    public static TheoryData<string, string> StoreFailures => new()
    {
        { "connection", "store_unavailable" },
        { "timeout", "store_unavailable" },
        { "readonly", "store_unavailable" },
        { "replica", "store_unavailable" },
        { "script-bug", "internal_error" },
        { "bug", "internal_error" },
    };

    /// <summary>
    /// A send whose commit hits Redis while it restarts or fails over is answered <c>store_unavailable</c> with
    /// <c>retryAfterMs</c> (as HTTP answers 503 + <c>Retry-After</c>), naming the frame; any other failure stays
    /// <c>internal_error</c>. The connection keeps working either way.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFailures))]
    public async Task A_send_that_fails_in_the_store_is_answered_with_the_error_its_cause_deserves(string failure, string code)
    {
        Exception cause = failure switch
        {
            "connection" => new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is active/available to service this operation"),
            "timeout" => new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent),
            "readonly" => new RedisServerException("READONLY You can't write against a read only replica."),
            "replica" => new ReplicationTimeoutException("No replica confirmed the write within 2 s."),
            "script-bug" => new RedisServerException("ERR user_script:1: Unknown Redis command called from script"),
            _ => new InvalidOperationException("a bug"),
        };
        var chat = Stub<IChatService>.Create(new() { [nameof(IChatService.PostMessageAsync)] = _ => Task.FromException<CommitResult>(cause) });
        await using var connection = Start(out var running, chat: chat);
        await ReadUntil(frame => Type(frame) == "hello");

        await Send("""{"type":"send","room":"r","text":"hi","key":"k1","ref":"s1"}""");
        var error = await ReadUntil(frame => Type(frame) == "error");
        await Send("""{"type":"ping","ref":"p1"}""");
        var pong = await ReadUntil(frame => Type(frame) == "pong");

        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("s1", error.GetProperty("ref").GetString());
        Assert.Equal(code == "store_unavailable", error.TryGetProperty("retryAfterMs", out var retryAfter));
        if (code == "store_unavailable")
        {
            Assert.Equal(1000, retryAfter.GetInt64());
        }

        Assert.Equal("p1", pong.GetProperty("ref").GetString());
        await CloseAsync(running);
    }

    /// <summary>
    /// A subscribe whose room list cannot be read (Redis restarting) is answered <c>store_unavailable</c> naming the
    /// frame, not left waiting for <c>subscribed</c>; the connection may subscribe again (not <c>already_subscribed</c>).
    /// </summary>
    [Fact]
    public async Task A_subscribe_while_redis_is_unavailable_is_answered_store_unavailable_and_may_be_repeated()
    {
        var chat = Stub<IChatService>.Create(new()
        {
            [nameof(IChatService.ListMyRoomsAsync)] = _ => Task.FromException<IReadOnlyList<MyRoom>>(
                new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is active/available to service this operation")),
        });
        await using var connection = Start(out var running, chat: chat);
        await ReadUntil(frame => Type(frame) == "hello");

        await Send("""{"type":"subscribe","ref":"sub1"}""");
        var first = await ReadUntil(frame => Type(frame) == "error");
        await Send("""{"type":"subscribe","after":5,"ref":"sub2"}""");
        var second = await ReadUntil(frame => Type(frame) == "error");

        Assert.Equal(("sub1", "store_unavailable"), (first.GetProperty("ref").GetString(), first.GetProperty("code").GetString()));
        Assert.Equal(("sub2", "store_unavailable"), (second.GetProperty("ref").GetString(), second.GetProperty("code").GetString()));
        await CloseAsync(running);
    }

    private ChatConnection Start(out Task running, ChatWebSocketOptions? settings = null, IChatService? chat = null)
    {
        chat ??= Stub<IChatService>.Create(new());
        var options = settings ?? new ChatWebSocketOptions { MaxFrameBytes = MaxFrameBytes, CloseTimeout = TimeSpan.FromSeconds(5) };
        var context = new ConnectionContext("bob", "connection-1", null, options, chat, new NoHub(), Typing: null!, Tokens: null!,
            TimeProvider.System, NullLogger.Instance, _metrics.Metrics);
        var connection = new ChatConnection(_sockets.Server, context, CancellationToken.None);
        running = connection.RunAsync(CancellationToken.None);
        return connection;
    }

    private async Task CloseAsync(Task running)
    {
        await _sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", Token);
        await running.WaitAsync(TimeSpan.FromSeconds(10), Token);
    }

    /// <summary>A JSON frame of exactly <paramref name="length"/> bytes: <paramref name="prefix"/>, a padding string, <c>}</c>.</summary>
    private static string Padded(string prefix, int length) => prefix + "\"" + new string('x', length - prefix.Length - 3) + "\"}";

    private Task Send(string text) => _sockets.Client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Token);

    private static string? Type(JsonElement frame) => frame.TryGetProperty("type", out var type) ? type.GetString() : null;

    private async Task<JsonElement> ReadUntil(Func<JsonElement, bool> match)
    {
        while (true)
        {
            var frame = await Receive();
            if (match(frame))
            {
                return frame;
            }
        }
    }

    private async Task<JsonElement> Receive()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _sockets.Client.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private sealed class NoHub : ILiveEventHub
    {
        public long LastDispatchedId => 0;

        public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms) => throw new InvalidOperationException("Not subscribed in these tests.");
    }

    public void Dispose()
    {
        _sockets.Dispose();
        _metrics.Dispose();
    }
}
