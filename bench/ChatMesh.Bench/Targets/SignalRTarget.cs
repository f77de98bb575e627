using System.Diagnostics;

namespace ChatMesh.Bench.Targets;

/// <summary>
/// The baseline: a minimal ASP.NET Core SignalR hub doing a group broadcast, in its own process, reached with raw
/// WebSockets speaking SignalR's JSON hub protocol (no HubConnection: the heavy client would measure itself).
/// </summary>
internal sealed class SignalRTarget : IChatTarget
{
    private const char RecordSeparator = '\u001e';
    private ChildServer? _server;
    private Uri? _hub;

    public string Name => "ASP.NET Core SignalR hub (group broadcast)";

    public int ServerProcessId => _server?.ProcessId ?? 0;

    public async Task StartAsync(int receivers, CancellationToken cancellationToken)
    {
        _server = await ChildServer.StartAsync("--signalr-server", cancellationToken);
        _hub = new Uri($"ws://127.0.0.1:{_server.Port}/hub");
    }

    public async Task<RawSocket> ConnectReceiverAsync(int index, LatencyRecorder? recorder, CancellationToken cancellationToken)
    {
        var socket = await HandshakeAsync(cancellationToken);
        await socket.SendAsync("""{"type":1,"target":"Join","arguments":["bench"]}""" + RecordSeparator, cancellationToken);
        socket.StartReceiving(message =>
        {
            var now = Stopwatch.GetTimestamp();
            if (recorder is null)
            {
                return;
            }

            // One WebSocket message may hold several records; each invocation carries one timestamped text.
            var span = message.Span;
            while (span.Length > 0)
            {
                var end = span.IndexOf((byte)RecordSeparator);
                var record = end < 0 ? span : span[..end];
                if (Payload.TryReadTimestamp(record, out var sent))
                {
                    recorder.Record(sent, now);
                }

                span = end < 0 ? [] : span[(end + 1)..];
            }
        });
        return socket;
    }

    public async Task<Func<string, CancellationToken, Task>> ConnectSenderAsync(CancellationToken cancellationToken)
    {
        var socket = await HandshakeAsync(cancellationToken);
        socket.StartReceiving(static _ => { });
        return (text, token) => socket.SendAsync($$"""{"type":1,"target":"Send","arguments":["bench","{{text}}"]}""" + RecordSeparator, token);
    }

    private async Task<RawSocket> HandshakeAsync(CancellationToken cancellationToken)
    {
        var socket = await RawSocket.ConnectAsync(_hub!, subProtocol: null, bearer: null, cancellationToken);
        await socket.SendAsync("""{"protocol":"json","version":1}""" + RecordSeparator, cancellationToken);
        await socket.ReceiveUntilAsync(text => text.StartsWith('{'), cancellationToken);
        return socket;
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }
}
