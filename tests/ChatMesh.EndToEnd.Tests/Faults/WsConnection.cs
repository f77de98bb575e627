using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ChatMesh.Testing.Faults;

/// <summary>A chatmesh.v1 socket to one gateway replica that hands every frame to a callback until the connection ends.</summary>
internal sealed class WsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Task _receiving;

    private WsConnection(ClientWebSocket socket, Action<JsonElement> onFrame)
    {
        _socket = socket;
        _receiving = Task.Run(() => ReceiveAsync(onFrame));
    }

    /// <summary>Completes when the connection has ended, however it ended.</summary>
    public Task Ended => _receiving;

    /// <summary>The server's id for this connection (its <c>hello</c> frame), for matching the gateway's logs.</summary>
    public string? ConnectionId { get; private set; }

    /// <summary>How the connection ended so far: the close code and reason the server sent, or the transport error.</summary>
    public string? EndedBy { get; private set; }

    /// <summary>Frames received, and when the last one arrived (<see cref="Environment.TickCount64"/>).</summary>
    public int Frames { get; private set; }

    public long LastFrameAt { get; private set; }

    /// <summary>Connects; an upgrade the gateway refuses is counted in <paramref name="answers"/> by its status.</summary>
    public static async Task<WsConnection> ConnectAsync(Uri gateway, string token, Action<JsonElement> onFrame, AnswerTally answers, CancellationToken cancel)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("chatmesh.v1");
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(new UriBuilder(gateway) { Scheme = "ws", Path = "/ws" }.Uri, timeout.Token);
        }
        catch
        {
            if (socket.HttpStatusCode != 0)
            {
                answers.Http(socket.HttpStatusCode);
            }

            socket.Dispose();
            throw;
        }

        return new WsConnection(socket, onFrame);
    }

    public async Task SendAsync(object frame, CancellationToken cancel) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(frame)), WebSocketMessageType.Text, true, cancel);

    /// <summary>Drops the connection without a close frame, as a cut network would.</summary>
    public void Abort() => _socket.Abort();

    private async Task ReceiveAsync(Action<JsonElement> onFrame)
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
                    EndedBy = $"close {(int?)result.CloseStatus} {result.CloseStatusDescription}";
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                using (var document = JsonDocument.Parse(message.ToArray()))
                {
                    Frames++;
                    LastFrameAt = Environment.TickCount64;
                    if (ConnectionId is null && document.RootElement.TryGetProperty("type", out var type) && type.GetString() == "hello"
                        && document.RootElement.TryGetProperty("connectionId", out var id))
                    {
                        ConnectionId = id.GetString();
                    }

                    onFrame(document.RootElement);
                }

                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // Cut: the caller reconnects.
            EndedBy = $"{ex.GetType().Name} {(ex as WebSocketException)?.WebSocketErrorCode}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        await _receiving.ContinueWith(static _ => { }, TaskScheduler.Default);
    }
}
