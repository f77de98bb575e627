using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using ChatMesh.Chat.EventLog;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// One client's <c>chatmesh.v1</c> WebSocket: a receive loop that reads, limits and dispatches client frames, and a
/// <see cref="ConnectionSender"/> that writes. Ends with the close code of the first reason to stop.
/// </summary>
internal sealed partial class ChatConnection : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly ConnectionContext _context;
    private readonly ChatWebSocketOptions _options;
    private readonly ConnectionSender _sender;
    private readonly FrameRateLimiter _rateLimiter;
    private readonly FrameHandler _handler;
    private readonly CancellationTokenSource _stop;
    private readonly ILogger _logger;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "bye";
    private int _closing;
    private int _violations;

    public ChatConnection(WebSocket socket, ConnectionContext context, CancellationToken aborted)
    {
        _socket = socket;
        _context = context;
        _options = context.Options;
        _logger = context.Logger;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _sender = new ConnectionSender(socket, context.UserId, _options.MaxQueuedFrames,
            () => Close(CloseCodes.SlowConsumer, "slow_consumer"));
        _rateLimiter = new FrameRateLimiter(_options.FramesPerSecond, _options.FrameBurst, context.Time);
        _handler = new FrameHandler(context, _sender, Close);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var onStopping = stopping.Register(() => Close(CloseCodes.GoingAway, "server_shutdown"));
        var writer = _sender.RunAsync(_stop.Token);
        _handler.Start(_stop.Token);
        try
        {
            await ReceiveLoopAsync(_stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Closed by us (limit, slow consumer, token expiry, shutdown): the close below says why.
        }
        catch (WebSocketException ex)
        {
            LogTransportError(_logger, _context.ConnectionId, ex.WebSocketErrorCode);
            await _stop.CancelAsync();
        }

        _sender.Complete();
        await _stop.CancelAsync();
        await Task.WhenAll(writer, _handler.StopAsync()).ContinueWith(static _ => { }, TaskScheduler.Default);
        await CloseSocketAsync();
    }

    /// <summary>Asks the connection to end with this close code; the first reason wins.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _closeStatus = status;
        _closeReason = reason;
        _stop.Cancel();
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxFrameBytes);
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count, _options.MaxFrameBytes - count), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    count += result.Count;
                }
                while (!result.EndOfMessage && count < _options.MaxFrameBytes);

                if (!result.EndOfMessage)
                {
                    Close(CloseCodes.MessageTooBig, "frame_too_large");
                    return;
                }

                if (!_rateLimiter.TryTake())
                {
                    _sender.SendControl(ServerFrames.Error(null, "rate_limited", "Too many frames; slow down. This frame was not processed."));
                    if (++_violations >= _options.MaxRateLimitViolations)
                    {
                        Close(CloseCodes.PolicyViolation, "rate_limited");
                        return;
                    }

                    continue;
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    _sender.SendControl(ServerFrames.Error(null, "invalid_frame", "Binary frames are not part of chatmesh.v1; send JSON text frames."));
                    continue;
                }

                ClientFrame? frame;
                try
                {
                    frame = JsonSerializer.Deserialize(buffer.AsSpan(0, count), ClientFrameJsonContext.Default.ClientFrame);
                }
                catch (JsonException)
                {
                    _sender.SendControl(ServerFrames.Error(null, "invalid_json", "The frame is not a JSON object."));
                    continue;
                }

                if (frame is null)
                {
                    _sender.SendControl(ServerFrames.Error(null, "invalid_json", "The frame is not a JSON object."));
                    continue;
                }

                await _handler.HandleAsync(frame, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task CloseSocketAsync()
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _socket.CloseOutputAsync(_closeStatus, _closeReason, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone; nothing left to tell it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _handler.DisposeAsync();
        _stop.Dispose();
        _socket.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket {ConnectionId} transport error {Error}")]
    private static partial void LogTransportError(ILogger logger, string connectionId, WebSocketError error);
}
