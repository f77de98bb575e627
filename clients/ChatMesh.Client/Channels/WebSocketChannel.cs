using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ChatMesh.Client.Channels;

/// <summary>chatmesh.v1 over <c>/ws</c>: hello → subscribe {after} → replayed events → subscribed | reset, then live; sends are acked frames.</summary>
internal sealed class WebSocketChannel(Uri baseAddress, string token, HttpClient http) : IReceiveChannel
{
    public const string SubProtocol = "chatmesh.v1";

    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiving;
    private long _ref;

    public ChatChannel Kind => ChatChannel.WebSocket;

    public Task<string> Closed => _closed.Task;

    public bool IsOpen => _socket.State == WebSocketState.Open && _live.Task.IsCompletedSuccessfully;

    public async Task OpenAsync(long after, IEventSink sink, CancellationToken cancel)
    {
        _socket.Options.AddSubProtocol(SubProtocol);
        _socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        _socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(new Uri(baseAddress, "/ws")) { Scheme = baseAddress.Scheme == "https" ? "wss" : "ws" }.Uri;
        try
        {
            await _socket.ConnectAsync(uri, cancel).ConfigureAwait(false);
        }
        catch (WebSocketException) when (_socket.HttpStatusCode != 0)
        {
            throw await RefusalAsync(cancel).ConfigureAwait(false);
        }

        _receiving = ReceiveLoopAsync(after, sink);
        await _live.Task.WaitAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Sends one <c>send</c> frame and returns the acknowledged event id (the original one for a repeated key).</summary>
    public async Task<long> SendMessageAsync(string room, string text, string key, TimeSpan timeout, CancellationToken cancel)
    {
        var reference = $"s{Interlocked.Increment(ref _ref)}";
        var ack = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[reference] = ack;
        try
        {
            await SendFrameAsync(writer =>
            {
                writer.WriteString("type", "send");
                writer.WriteString("ref", reference);
                writer.WriteString("room", room);
                writer.WriteString("text", text);
                writer.WriteString("key", key);
            }, cancel).ConfigureAwait(false);
            return await ack.Task.WaitAsync(timeout, cancel).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(reference, out _);
        }
    }

    private async Task SendFrameAsync(Action<Utf8JsonWriter> frame, CancellationToken cancel)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            frame(writer);
            writer.WriteEndObject();
        }

        await _sendLock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancel).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync(long after, IEventSink sink)
    {
        var cancel = _stop.Token;
        var message = new ArrayBufferWriter<byte>(16 * 1024);
        var reason = "connection lost";
        Exception? terminal = null;
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(message.GetMemory(8192), cancel).ConfigureAwait(false);
                    message.Advance(result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = (int?)_socket.CloseStatus;
                    reason = $"closed {status} {_socket.CloseStatusDescription}";
                    if (status is 4001 or 4002)
                    {
                        // Reconnecting with the same token is refused: stop and surface, never loop.
                        terminal = new ChatMeshException(status == 4001 ? "token_expired" : "token_revoked",
                            $"The server closed the WebSocket ({status} {_socket.CloseStatusDescription}): sign in again.", closeStatus: status);
                    }

                    await CloseOutputAsync().ConfigureAwait(false);
                    break;
                }

                await HandleFrameAsync(message.WrittenMemory, after, sink, cancel).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or JsonException)
        {
            reason = ex.Message;
        }
        catch (ChatMeshException ex)
        {
            reason = ex.Message;
            _live.TrySetException(ex);
        }

        var lost = new IOException($"The WebSocket ended before the answer came ({reason}).");
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(lost);
        }

        _live.TrySetException(terminal ?? lost);
        if (terminal is not null)
        {
            _closed.TrySetException(terminal);
        }
        else
        {
            _closed.TrySetResult(reason);
        }
    }

    private async Task HandleFrameAsync(ReadOnlyMemory<byte> bytes, long after, IEventSink sink, CancellationToken cancel)
    {
        using var frame = JsonDocument.Parse(bytes);
        var root = frame.RootElement;
        // Control frames first: an ack also has an "id" (the event it acknowledges) but is not that event.
        switch (ChatEvent.String(root, "type"))
        {
            case "hello":
                await SendFrameAsync(writer =>
                {
                    writer.WriteString("type", "subscribe");
                    writer.WriteString("ref", "sub");
                    if (after > 0)
                    {
                        writer.WriteNumber("after", after);
                    }
                }, cancel).ConfigureAwait(false);
                break;
            case "subscribed":
                _live.TrySetResult();
                break;
            case "reset":
                await sink.ResetAsync(root.GetProperty("head").GetInt64(), cancel).ConfigureAwait(false);
                _live.TrySetResult();
                break;
            case "ack":
                if (ChatEvent.String(root, "ref") is { } ackRef && _pending.TryGetValue(ackRef, out var ack))
                {
                    ack.TrySetResult(root.GetProperty("id").GetInt64());
                }

                break;
            case "error":
                var error = new ChatMeshException(ChatEvent.String(root, "code") ?? "unknown", ChatEvent.String(root, "message") ?? "refused");
                var errorRef = ChatEvent.String(root, "ref");
                if (errorRef == "sub")
                {
                    throw error;
                }

                if (errorRef is not null && _pending.TryGetValue(errorRef, out var refused))
                {
                    refused.TrySetException(error);
                }

                break;
            case "typing" or "presence":
                await sink.SignalAsync(new ChatSignal(ChatEvent.String(root, "type")!, Encoding.UTF8.GetString(bytes.Span)), cancel).ConfigureAwait(false);
                break;
            case "pong" or "authenticated":
                break;
            default:
                if (root.TryGetProperty("id", out _))
                {
                    await sink.EventAsync(ChatEvent.Parse(root, Encoding.UTF8.GetString(bytes.Span)), cancel).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <summary>
    /// A refused handshake: the WebSocket API hides the problem body, so ask the same URL as plain HTTP. Authentication
    /// runs before the endpoint, so a token refusal answers with its own code; otherwise the status says it.
    /// </summary>
    private async Task<ChatMeshException> RefusalAsync(CancellationToken cancel)
    {
        var status = (int)_socket.HttpStatusCode;
        if (status == 401)
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri("/ws", UriKind.Relative));
            probe.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(probe, cancel).ConfigureAwait(false);
            if ((int)response.StatusCode == 401)
            {
                return await Problems.ReadAsync(response, cancel).ConfigureAwait(false);
            }
        }

        var code = status switch
        {
            400 => "unsupported_subprotocol",
            401 => "token_invalid",
            403 => "origin_not_allowed",
            404 => "not_found",
            429 => "too_many_connections",
            _ => $"http_{status}",
        };
        return new ChatMeshException(code, $"The WebSocket handshake was refused ({status} {code}).", status);
    }

    private async Task CloseOutputAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone: nothing to answer.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            await CloseOutputAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_receiving is not null)
        {
            await _receiving.ConfigureAwait(false);
        }

        _socket.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }
}
