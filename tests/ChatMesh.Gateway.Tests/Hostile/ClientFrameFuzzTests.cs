using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Gateway.Tests.Telemetry;
using ChatMesh.Gateway.Tests.WebSockets;
using ChatMesh.Gateway.Typing;
using ChatMesh.Gateway.WebSockets;
using CsCheck;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Gateway.Tests.Hostile;

/// <summary>
/// Property-based fuzzing of the <c>chatmesh.v1</c> client-frame parser and the frame handler's validation (CsCheck):
/// thousands of generated hostile messages, each run on a real <see cref="ChatConnection"/> over an in-memory WebSocket.
/// Every message gets exactly one answer, that answer is a documented one (docs/protocol.md), nothing throws past the
/// handler (no <c>internal_error</c>, no close), and the connection still answers a <c>ping</c> afterwards.
/// A failure prints the CsCheck seed; rerun with it to reproduce.
/// </summary>
public sealed class ClientFrameFuzzTests
{
    /// <summary>The error frame codes docs/protocol.md documents, without <c>internal_error</c>: the fake domain never fails.</summary>
    private static readonly HashSet<string> DocumentedErrors =
    [
        "invalid_json", "invalid_frame", "unknown_type", "rate_limited", "already_subscribed", "invalid_argument", "text_too_long",
        "room_not_found", "message_not_found", "room_exists", "not_member", "forbidden", "cursor_from_future", "token_invalid", "token_expired",
    ];

    /// <summary>The frames that may answer a client frame other than an error.</summary>
    private static readonly HashSet<string> Answers = ["ack", "pong", "authenticated"];

    private const int MaxFrameBytes = 65536;

    [Fact]
    public void The_parser_returns_a_frame_or_throws_JsonException_for_any_bytes()
    {
        // ChatConnection answers a JsonException with invalid_json; any other exception type would end its receive loop.
        FrameGenerators.Message.Sample(message =>
        {
            try
            {
                JsonSerializer.Deserialize(message.Bytes, ClientFrameJsonContext.Default.ClientFrame);
            }
            catch (JsonException)
            {
            }
        }, iter: 20_000);
    }

    [Fact]
    public async Task Every_hostile_message_gets_one_documented_answer_and_the_connection_keeps_working()
    {
        // Batches of 1 to 12 messages on a fresh connection each, then a probe ping: about 4000 messages in all.
        await FrameGenerators.Message.Array[1, 12].SampleAsync(RunBatchAsync, iter: 600, threads: 2,
            print: batch => string.Join(Environment.NewLine, batch.Select(message => message.ToString())));
    }

    [Fact]
    public async Task Ten_thousand_hostile_messages_on_one_connection_leave_it_serving()
    {
        await using var harness = Harness.Start();
        await harness.ReadUntilAsync("hello");
        var sent = 0;
        await FrameGenerators.Message.Array[50].SampleAsync(
            batch => harness.SendAndCheckAsync(batch, $"probe-{Interlocked.Increment(ref sent)}").WaitAsync(TimeSpan.FromSeconds(20), Token), iter: 200, threads: 1, print: batch => string.Join(Environment.NewLine, batch.Select(message => message.ToString())));
        await harness.CloseAsync();
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x80, 0x22, 0x7D })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D })]
    [InlineData(new byte[] { 0xFF })]
    public async Task A_text_message_that_is_not_UTF8_is_closed_with_1007_by_the_websocket_layer(byte[] bytes)
    {
        await using var harness = Harness.Start();
        await harness.ReadUntilAsync("hello");

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await harness.SendTextAndWaitForCloseAsync(bytes));
    }

    private static bool IsUtf8(byte[] bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    private static async Task RunBatchAsync(WireMessage[] batch)
    {
        await using var harness = Harness.Start();
        await harness.ReadUntilAsync("hello");
        await harness.SendAndCheckAsync(batch, "probe").WaitAsync(TimeSpan.FromSeconds(20), Token);
        await harness.CloseAsync();
    }

    /// <summary>A connection with a fake chat domain (rooms other than <c>general</c> do not exist) and real token validation.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly InMemoryWebSockets _sockets = new(serverToClientBytes: 1 << 20);
        private readonly MetricRecorder _metrics = new();
        private ChatConnection _connection = null!;
        private Task _running = Task.CompletedTask;

        public static Harness Start()
        {
            var harness = new Harness();
            var options = new ChatWebSocketOptions
            {
                MaxFrameBytes = MaxFrameBytes,
                FramesPerSecond = 1_000_000,
                FrameBurst = 1_000_000,
                CloseTimeout = TimeSpan.FromSeconds(5),
            };
            var chat = FakeChat();
            var typing = new TypingRelay(chat, signals: null!, redis: null!, Options.Create(options));
            var tokens = new TokenRefresher(new FixedJwtOptions());
            var context = new ConnectionContext("bob", "connection-fuzz", null, options, chat, new NoHub(), typing, tokens,
                TimeProvider.System, NullLogger.Instance, harness._metrics.Metrics);
            harness._connection = new ChatConnection(harness._sockets.Server, context, CancellationToken.None);
            harness._running = harness._connection.RunAsync(CancellationToken.None);
            return harness;
        }

        /// <summary>Sends the batch and a probe ping, then checks every answer up to the probe's pong.</summary>
        public async Task SendAndCheckAsync(WireMessage[] batch, string probe)
        {
            foreach (var message in batch)
            {
                // The WebSocket layer closes with 1007 on a text message that is not UTF-8 before ChatMesh reads it
                // (its own test below); such bytes reach the frame parser only through the parser test.
                var binary = message.Binary || !IsUtf8(message.Bytes);
                await _sockets.Client.SendAsync(message.Bytes, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, Token);
            }

            await _sockets.Client.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"ping\",\"ref\":\"{probe}\"}}"), WebSocketMessageType.Text, true, Token);
            var answers = new List<JsonElement>();
            while (true)
            {
                var frame = await ReceiveAsync();
                if (Type(frame) == "pong" && Ref(frame) == probe)
                {
                    break;
                }

                answers.Add(frame);
            }

            foreach (var answer in answers)
            {
                var type = Type(answer);
                if (type == "error")
                {
                    var code = answer.GetProperty("code").GetString();
                    Assert.True(code is not null && DocumentedErrors.Contains(code), $"Undocumented error code '{code}': {answer}");
                }
                else
                {
                    Assert.True(type is not null && Answers.Contains(type), $"Unexpected answer: {answer}");
                }
            }

            // One answer per message: none is dropped silently, none is answered twice.
            Assert.Equal(batch.Length, answers.Count);
        }

        public async Task<WebSocketCloseStatus?> SendTextAndWaitForCloseAsync(byte[] bytes)
        {
            await _sockets.Client.SendAsync(bytes, WebSocketMessageType.Text, true, Token);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var buffer = new byte[8192];
            while ((await _sockets.Client.ReceiveAsync(buffer, timeout.Token)).MessageType != WebSocketMessageType.Close)
            {
            }

            return _sockets.Client.CloseStatus;
        }

        public async Task ReadUntilAsync(string type)
        {
            while (Type(await ReceiveAsync()) != type)
            {
            }
        }

        public async Task CloseAsync()
        {
            await _sockets.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", Token);
            await _running.WaitAsync(TimeSpan.FromSeconds(10), Token);
        }

        private async Task<JsonElement> ReceiveAsync()
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var buffer = new byte[8192];
            using var message = new MemoryStream();
            while (true)
            {
                var result = await _sockets.Client.ReceiveAsync(buffer, timeout.Token);
                Assert.True(result.MessageType != WebSocketMessageType.Close,
                    $"The server closed the connection: {_sockets.Client.CloseStatus} {_sockets.Client.CloseStatusDescription}");
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _connection.DisposeAsync();
            _sockets.Dispose();
            _metrics.Dispose();
        }
    }

    /// <summary>
    /// The chat domain's answers without Redis: writes to <c>general</c> succeed (event id 1), any other room does not exist,
    /// and the user is a member of none (so <c>typing</c> is refused with <c>not_member</c> or <c>room_not_found</c>).
    /// </summary>
    private static IChatService FakeChat()
    {
        static object Write(object?[]? args) =>
            args?[1] is "general"
                ? Task.FromResult(new CommitResult(1, false, null))
                : Task.FromException<CommitResult>(new ChatException(ChatError.RoomNotFound, "No such room."));

        return Stub<IChatService>.Create(new()
        {
            [nameof(IChatService.PostMessageAsync)] = Write,
            [nameof(IChatService.EditMessageAsync)] = Write,
            [nameof(IChatService.DeleteMessageAsync)] = Write,
            [nameof(IChatService.AddReactionAsync)] = Write,
            [nameof(IChatService.RemoveReactionAsync)] = Write,
            [nameof(IChatService.MarkReadAsync)] = Write,
            [nameof(IChatService.JoinRoomAsync)] = Write,
            [nameof(IChatService.LeaveRoomAsync)] = Write,
            [nameof(IChatService.IsMemberAsync)] = _ => Task.FromResult(false),
            [nameof(IChatService.GetMembersAsync)] = args => args?[1] is "general"
                ? Task.FromException<IReadOnlyList<string>>(new ChatException(ChatError.NotMember, "Not a member."))
                : Task.FromException<IReadOnlyList<string>>(new ChatException(ChatError.RoomNotFound, "No such room.")),
        });
    }

    private static string? Type(JsonElement frame) => frame.TryGetProperty("type", out var type) ? type.GetString() : null;

    private static string? Ref(JsonElement frame) => frame.TryGetProperty("ref", out var reference) ? reference.GetString() : null;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The JwtBearer options of a gateway with a symmetric key: auth frames are validated for real.</summary>
    private sealed class FixedJwtOptions : IOptionsMonitor<JwtBearerOptions>
    {
        private readonly JwtBearerOptions _options = new()
        {
            TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = "chatmesh",
                ValidAudience = "chatmesh",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("fuzz-signing-key-0123456789abcdefghijklmnop")),
            },
        };

        public JwtBearerOptions CurrentValue => _options;

        public JwtBearerOptions Get(string? name) => _options;

        public IDisposable? OnChange(Action<JwtBearerOptions, string?> listener) => null;
    }

    private sealed class NoHub : ILiveEventHub
    {
        public long LastDispatchedId => 0;

        public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms) => throw new InvalidOperationException("subscribe is not generated.");
    }
}
