using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Telemetry;

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
    private const int SmallBufferBytes = 1024;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    // Answers without a ref are the same bytes for every connection: built once. A flood of frames with refs costs one
    // small frame each, at most MaxRateLimitViolations per connection before it is closed.
    private const string RateLimitedMessage = "Too many frames; slow down. This frame was not processed.";
    private static readonly byte[] RateLimitedFrame = ServerFrames.Error(null, "rate_limited", RateLimitedMessage);
    private static readonly byte[] BinaryFrame = ServerFrames.Error(null, "invalid_frame", "Binary frames are not part of chatmesh.v1; send JSON text frames.");
    private static readonly byte[] InvalidJsonFrame = ServerFrames.Error(null, "invalid_json", "The frame is not a JSON object.");
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationToken _aborted;
    private readonly ILogger _logger;
    private Task _writer = Task.CompletedTask;
    private Task _closed = Task.CompletedTask;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "bye";
    private int _closing;
    private int _violations;

    public ChatConnection(WebSocket socket, ConnectionContext context, CancellationToken aborted)
        : this(socket, coalescing: null, context, aborted)
    {
    }

    /// <param name="coalescing">The stream under <paramref name="socket"/> when queued frames may share a transport write.</param>
    public ChatConnection(WebSocket socket, CoalescingStream? coalescing, ConnectionContext context, CancellationToken aborted)
    {
        _socket = socket;
        _context = context;
        _options = context.Options;
        _logger = context.Logger;
        _aborted = aborted;
        _sender = new ConnectionSender(socket, coalescing, context.UserId, _options.MaxQueuedFrames, context.Metrics, context.Stages, () =>
        {
            context.Metrics.SlowConsumer(DeliveryChannels.WebSocket);
            Close(CloseCodes.SlowConsumer, "slow_consumer", drain: false);
        }, () => _handler!.OnBehind());
        _rateLimiter = new FrameRateLimiter(_options.FramesPerSecond, _options.FrameBurst, context.Time);
        _handler = new FrameHandler(context, _sender, (status, reason) => Close(status, reason, drain: true));
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var onStopping = stopping.Register(() => Close(CloseCodes.GoingAway, "server_shutdown", drain: true));
        _context.Metrics.Connected(DeliveryChannels.WebSocket);
        _writer = _sender.RunAsync(_stop.Token);
        _handler.Start(_stop.Token);
        try
        {
            // Reads use only the request's own abort token: cancelling a pending receive would abort the socket
            // before the close frame that tells the client why.
            await ReceiveLoopAsync(_aborted);
        }
        catch (OperationCanceledException) when (_aborted.IsCancellationRequested)
        {
            // The client vanished.
        }
        catch (WebSocketException ex)
        {
            LogTransportError(_logger, _context.ConnectionId, ex.WebSocketErrorCode);
        }
        finally
        {
            _received.TrySetResult();
        }

        Close(WebSocketCloseStatus.NormalClosure, "bye", drain: false);
        await _closed;
        _context.Metrics.Disconnected(DeliveryChannels.WebSocket);
    }

    /// <summary>
    /// Ends the connection with this close code; the first reason wins. With <paramref name="drain"/> the frames
    /// already queued (such as the error frames explaining a limit) are written first, within a short bound.
    /// </summary>
    public void Close(WebSocketCloseStatus status, string reason, bool drain)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _closeStatus = status;
        _closeReason = reason;
        _closed = CloseAsync(drain);
    }

    private async Task CloseAsync(bool drain)
    {
        // Never cancel a send in flight: a cancelled WebSocket send aborts the connection, and the close frame that
        // says why would be lost. Drain (or discard) the queue and wait for the writer, bounded.
        if (drain)
        {
            _sender.Complete();
        }
        else
        {
            _sender.Discard();
        }

        var writerDone = await CompletesWithinAsync(_writer, drain ? DrainTimeout : _options.CloseTimeout);
        await _stop.CancelAsync();
        await _handler.StopAsync().ContinueWith(static _ => { }, TaskScheduler.Default);
        if (!writerDone)
        {
            _socket.Abort();
            return;
        }

        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(_options.CloseTimeout);
            try
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer is gone; nothing left to tell it.
            }
        }

        // The receive loop ends when the client answers the close; a client that never does is cut off.
        if (!await CompletesWithinAsync(_received.Task, _options.CloseTimeout))
        {
            _socket.Abort();
        }
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout)
    {
        var finished = await Task.WhenAny(task, Task.Delay(timeout, CancellationToken.None)) == task;
        if (finished)
        {
            await task.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        return finished;
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var small = Math.Min(SmallBufferBytes, _options.MaxFrameBytes);
        while (true)
        {
            // Wait for the next message with a zero-byte read, as SignalR's WebSocket transport does: an idle
            // connection holds no receive buffer. One is rented once a message arrives (a larger one, up to
            // MaxFrameBytes, just while a larger message is read) and returned before the frame is carried out.
            var result = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            ClientFrame? frame;
            long readAt;
            var buffer = ArrayPool<byte>.Shared.Rent(small);
            try
            {
                var count = 0;
                while (!result.EndOfMessage && count < _options.MaxFrameBytes)
                {
                    if (count == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 4, _options.MaxFrameBytes));
                        buffer.AsSpan(0, count).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var room = Math.Min(buffer.Length, _options.MaxFrameBytes) - count;
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count, room), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    count += result.Count;
                }

                if (!result.EndOfMessage)
                {
                    Close(CloseCodes.MessageTooBig, "frame_too_large", drain: false);
                    await DiscardUntilClosedAsync(buffer, cancellationToken);
                    return;
                }

                readAt = Stopwatch.GetTimestamp();
                frame = Admit(result.MessageType, buffer.AsSpan(0, count));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (frame is not null)
            {
                await _handler.HandleAsync(frame, readAt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The checks every whole client message passes before it is carried out: closing, the rate limit, the message
    /// type, JSON. Null when it is refused (with an error frame) or ignored.
    /// </summary>
    private ClientFrame? Admit(WebSocketMessageType type, ReadOnlySpan<byte> message)
    {
        if (Volatile.Read(ref _closing) != 0)
        {
            return null;
        }

        if (!_rateLimiter.TryTake())
        {
            // The error names the refused frame (protocol.md: an error echoes its frame's ref), so a client waiting
            // for that frame's answer learns at once that it was not processed and can resend it, with its key.
            _sender.SendControl(FrameRef.TryRead(message) is { } reference
                ? ServerFrames.Error(reference, "rate_limited", RateLimitedMessage)
                : RateLimitedFrame);
            if (++_violations >= _options.MaxRateLimitViolations)
            {
                Close(CloseCodes.PolicyViolation, "rate_limited", drain: true);
            }

            return null;
        }

        if (type != WebSocketMessageType.Text)
        {
            _sender.SendControl(BinaryFrame);
            return null;
        }

        ClientFrame? frame = null;
        try
        {
            frame = JsonSerializer.Deserialize(message, ClientFrameJsonContext.Default.ClientFrame);
        }
        catch (JsonException)
        {
            // Answered below, as a JSON null is.
        }

        if (frame is null)
        {
            _sender.SendControl(InvalidJsonFrame);
        }

        return frame;
    }

    /// <summary>Reads and drops whatever the client still sends until its close frame (or the abort) arrives.</summary>
    private async Task DiscardUntilClosedAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
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
