using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ChatMesh.Client.Channels;

/// <summary>chatmesh.v1 over <c>/ws</c>: hello → subscribe {after} → replayed events → subscribed | reset, then live; sends are acked frames.</summary>
internal sealed class WebSocketChannel(Uri baseAddress, Func<string> token) : IReceiveChannel
{
    public const string SubProtocol = "chatmesh.v1";

    private readonly ClientWebSocket _socket = new();
    private readonly RefusalCapture _handshake = new();
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
        _socket.Options.SetRequestHeader("Authorization", $"Bearer {token()}");
        _socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(new Uri(baseAddress, "/ws")) { Scheme = baseAddress.Scheme == "https" ? "wss" : "ws" }.Uri;
        try
        {
            using var invoker = new HttpMessageInvoker(_handshake, disposeHandler: false);
            await _socket.ConnectAsync(uri, invoker, cancel).ConfigureAwait(false);
        }
        catch (WebSocketException) when (_socket.HttpStatusCode != 0)
        {
            throw Refusal();
        }

        _receiving = ReceiveLoopAsync(after, sink);
        await _live.Task.WaitAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Sends one <c>send</c> frame and returns the acknowledged event id (the original one for a repeated key).</summary>
    public Task<long> SendMessageAsync(string room, string text, IReadOnlyList<string> attachments, string key, TimeSpan timeout, CancellationToken cancel) =>
        RequestAsync("send", writer =>
        {
            writer.WriteString("room", room);
            writer.WriteString("text", text);
            writer.WriteString("key", key);
            RestApi.WriteAttachments(writer, attachments);
        }, timeout, cancel);

    /// <summary>Hands the server a fresh token (<c>auth</c>); completes on <c>authenticated</c>, throws on its error frame.</summary>
    public Task AuthenticateAsync(string fresh, TimeSpan timeout, CancellationToken cancel) =>
        RequestAsync("auth", writer => writer.WriteString("token", fresh), timeout, cancel);

    /// <summary>A frame with a <c>ref</c>, and the answer to it: the <c>ack</c>'s id (0 for <c>authenticated</c>), or its error frame thrown.</summary>
    private async Task<long> RequestAsync(string type, Action<Utf8JsonWriter> fields, TimeSpan timeout, CancellationToken cancel)
    {
        var reference = $"{type[0]}{Interlocked.Increment(ref _ref)}";
        var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[reference] = answer;
        try
        {
            await SendFrameAsync(writer =>
            {
                writer.WriteString("type", type);
                writer.WriteString("ref", reference);
                fields(writer);
            }, cancel).ConfigureAwait(false);
            return await answer.Task.WaitAsync(timeout, cancel).ConfigureAwait(false);
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
                var error = new ChatMeshException(ChatEvent.String(root, "code") ?? "unknown", ChatEvent.String(root, "message") ?? "refused")
                {
                    RetryAfter = Problems.RetryAfter(root),
                };
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
            case "authenticated":
                if (ChatEvent.String(root, "ref") is { } authRef && _pending.TryGetValue(authRef, out var accepted))
                {
                    accepted.TrySetResult(0);
                }

                break;
            case "pong":
                break;
            default:
                if (root.TryGetProperty("id", out _))
                {
                    await sink.EventAsync(ChatEvent.Parse(root, Encoding.UTF8.GetString(bytes.Span)), cancel).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <summary>A refused handshake: its status and the problem details body the handshake handler kept (docs/protocol.md "Handshake").</summary>
    private ChatMeshException Refusal()
    {
        var status = (int)_socket.HttpStatusCode;
        return Problems.FromBody(status, $"WebSocket handshake refused", _handshake.Body, code => code switch
        {
            400 => "unsupported_subprotocol",
            401 => "token_invalid",
            403 => "origin_not_allowed",
            404 => "not_found",
            429 => "too_many_connections",
            _ => $"http_{code}",
        });
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
        _handshake.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }
}

/// <summary>The handshake's HTTP handler: keeps the body of a refusal (problem details), which ClientWebSocket does not expose.</summary>
internal sealed class RefusalCapture() : DelegatingHandler(new SocketsHttpHandler())
{
    private const int MaxBodyChars = 16 * 1024;

    public string? Body { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        // 101 (HTTP/1.1) and 200 (HTTP/2) accept: the content is the WebSocket itself and must not be touched.
        if (response.StatusCode != HttpStatusCode.SwitchingProtocols && !response.IsSuccessStatusCode)
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            var buffer = new char[MaxBodyChars];
            var read = await reader.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
            Body = new string(buffer, 0, read);
        }

        return response;
    }
}
