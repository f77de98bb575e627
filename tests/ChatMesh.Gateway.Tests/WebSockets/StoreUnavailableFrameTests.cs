using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Gateway.Tests.Telemetry;
using ChatMesh.Gateway.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.WebSockets;

/// <summary>
/// A frame whose commit hits Redis while it restarts or fails over is answered <c>store_unavailable</c> with
/// <c>retryAfterMs</c> (as HTTP answers 503 + <c>Retry-After</c>), naming the frame; any other failure stays
/// <c>internal_error</c>. The connection stays open either way.
/// </summary>
public sealed class StoreUnavailableFrameTests : IDisposable
{
    private readonly MetricRecorder _metrics = new();
    private readonly InMemoryWebSockets _sockets = new(serverToClientBytes: 64 * 1024);

    public static TheoryData<string, string> Failures => new()
    {
        { "connection", "store_unavailable" },
        { "timeout", "store_unavailable" },
        { "readonly", "store_unavailable" },
        { "replica", "store_unavailable" },
        { "script-bug", "internal_error" },
        { "bug", "internal_error" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
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
        var context = new ConnectionContext("bob", "connection-1", null, new ChatWebSocketOptions { CloseTimeout = TimeSpan.FromSeconds(5) }, chat, new NoHub(),
            Typing: null!, Tokens: null!, TimeProvider.System, NullLogger.Instance, _metrics.Metrics);
        await using var connection = new ChatConnection(_sockets.Server, context, CancellationToken.None);
        var running = connection.RunAsync(CancellationToken.None);
        await ReadUntil("hello");

        await Send("""{"type":"send","room":"r","text":"hi","key":"k1","ref":"s1"}""");
        var error = await ReadUntil("error");
        await Send("""{"type":"ping","ref":"p1"}""");
        var pong = await ReadUntil("pong");

        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("s1", error.GetProperty("ref").GetString());
        Assert.Equal(code == "store_unavailable", error.TryGetProperty("retryAfterMs", out var retryAfter));
        if (code == "store_unavailable")
        {
            Assert.Equal(1000, retryAfter.GetInt64());
        }

        Assert.Equal("p1", pong.GetProperty("ref").GetString());
        await _sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", Token);
        await running.WaitAsync(TimeSpan.FromSeconds(10), Token);
    }

    private Task Send(string text) => _sockets.Client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Token);

    private async Task<JsonElement> ReadUntil(string type)
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
            if (!result.EndOfMessage)
            {
                continue;
            }

            var frame = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            message.SetLength(0);
            if (frame.TryGetProperty("type", out var kind) && kind.GetString() == type)
            {
                return frame;
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
