using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Support;

/// <summary>The server answered the upgrade with an HTTP status instead of 101.</summary>
public sealed class HandshakeRefusedException(HttpStatusCode status, Exception inner)
    : Exception($"The WebSocket handshake was refused with HTTP {(int)status}.", inner)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>A chatmesh.v1 client for tests: records every frame it receives and the close the server sent.</summary>
public sealed class WsClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private readonly ClientWebSocket _socket;
    private readonly List<JsonElement> _frames = [];
    private readonly SemaphoreSlim _changed = new(0);
    private readonly Task _receiving;

    private WsClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = Task.Run(ReceiveAsync);
    }

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseDescription { get; private set; }

    public bool Closed { get; private set; }

    public IReadOnlyList<JsonElement> Frames
    {
        get
        {
            lock (_frames)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>Frames that are logged events (they carry an id), in arrival order.</summary>
    public IReadOnlyList<JsonElement> Events => [.. Frames.Where(frame => frame.TryGetProperty("id", out _) && frame.GetProperty("type").GetString() != "ack")];

    public string Instance => Frames.First(frame => Type(frame) == "hello").GetProperty("instance").GetString()!;

    public static Uri Endpoint(ChatMeshAppFixture fixture, string resource = "gateway", string? query = null)
    {
        var http = fixture.App.GetEndpoint(resource, "http");
        return new UriBuilder(http) { Scheme = "ws", Path = "/ws", Query = query ?? string.Empty }.Uri;
    }

    public static async Task<WsClient> ConnectAsync(ChatMeshAppFixture fixture, string? token, string resource = "gateway", Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chatmesh.v1");
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        }

        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        try
        {
            await socket.ConnectAsync(Endpoint(fixture, resource), TestContext.Current.CancellationToken);
        }
        catch (WebSocketException ex)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HandshakeRefusedException(status, ex);
        }

        var client = new WsClient(socket);
        await client.WaitForAsync(frame => Type(frame) == "hello");
        return client;
    }

    /// <summary>Connects until the hello names an instance other than <paramref name="notOn"/> (2 gateway replicas behind one proxy).</summary>
    public static async Task<WsClient> ConnectToOtherInstanceAsync(ChatMeshAppFixture fixture, string token, string notOn)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var client = await ConnectAsync(fixture, token);
            if (client.Instance != notOn)
            {
                return client;
            }

            await client.DisposeAsync();
        }

        throw new InvalidOperationException($"40 connections all reached instance {notOn}; is the gateway running 2 replicas?");
    }

    public static string? Type(JsonElement frame) => frame.TryGetProperty("type", out var type) ? type.GetString() : null;

    public Task SendAsync(object frame) => SendRawAsync(JsonSerializer.Serialize(frame));

    public async Task SendRawAsync(string text) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);

    /// <summary>Waits for the first frame (in arrival order, from <paramref name="from"/>) that matches.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan? timeout = null, int from = 0)
    {
        JsonElement found = default;
        await WaitUntilAsync(frames =>
        {
            foreach (var frame in frames.Skip(from))
            {
                if (match(frame))
                {
                    found = frame;
                    return true;
                }
            }

            return false;
        }, timeout);
        return found;
    }

    /// <summary>Waits until the frames received so far satisfy the condition, or fails at the deadline.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<JsonElement>, bool> condition, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        while (!condition(Frames))
        {
            if (Closed && !condition(Frames))
            {
                throw new InvalidOperationException($"The server closed the connection ({CloseStatus} {CloseDescription}) before the condition held. Frames: {string.Join('\n', Frames)}");
            }

            try
            {
                await _changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Condition not met within {(timeout ?? DefaultTimeout).TotalSeconds} s. Frames: {string.Join('\n', Frames.TakeLast(20))}");
            }
        }
    }

    /// <summary>Waits for the server to close the connection and returns its close code.</summary>
    public async Task<WebSocketCloseStatus?> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        await _receiving.WaitAsync(timeout ?? DefaultTimeout, TestContext.Current.CancellationToken);
        return CloseStatus;
    }

    /// <summary>Drops the connection without a close handshake, as a lost network would.</summary>
    public void Abort() => _socket.Abort();

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    CloseDescription = result.CloseStatusDescription;

                    // Answer the close, as a well-behaved client does, so the server is not left waiting.
                    using var answer = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", answer.Token);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                using (var document = JsonDocument.Parse(message.ToArray()))
                {
                    lock (_frames)
                    {
                        _frames.Add(document.RootElement.Clone());
                    }
                }

                message.SetLength(0);
                _changed.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            CloseStatus ??= _socket.CloseStatus;
        }
        finally
        {
            Closed = true;
            _changed.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Already gone.
            }
        }

        _socket.Dispose();
        await _receiving.ContinueWith(static _ => { }, TaskScheduler.Default);
    }
}
