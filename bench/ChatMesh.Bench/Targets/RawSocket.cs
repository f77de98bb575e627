using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace ChatMesh.Bench.Targets;

/// <summary>A ClientWebSocket with one receive loop handing every complete message to a callback.</summary>
internal sealed class RawSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task _receiving = Task.CompletedTask;

    private RawSocket(ClientWebSocket socket) => _socket = socket;

    public static async Task<RawSocket> ConnectAsync(Uri uri, string? subProtocol, string? bearer, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        if (subProtocol is not null)
        {
            socket.Options.AddSubProtocol(subProtocol);
        }

        if (bearer is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {bearer}");
        }

        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(uri, cancellationToken);
        return new RawSocket(socket);
    }

    public void StartReceiving(Action<ReadOnlyMemory<byte>> onMessage) => _receiving = ReceiveAsync(onMessage);

    /// <summary>Receives every message, recording the latency of each that carries a <see cref="Payload"/> timestamp.</summary>
    public void StartRecording(LatencyRecorder? recorder) => StartReceiving(message =>
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (recorder is not null && Payload.TryReadTimestamp(message.Span, out var sent))
        {
            recorder.Record(sent, now);
        }
    });

    public async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Receives messages until the first that matches, for handshakes before the loop starts.</summary>
    public async Task<string> ReceiveUntilAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var text = Encoding.UTF8.GetString(message.ToArray());
            if (match(text))
            {
                return text;
            }
        }
    }

    private async Task ReceiveAsync(Action<ReadOnlyMemory<byte>> onMessage)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage && count < buffer.Length);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                onMessage(buffer.AsMemory(0, count));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The benchmark is tearing down.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
        _sendLock.Dispose();
    }
}
