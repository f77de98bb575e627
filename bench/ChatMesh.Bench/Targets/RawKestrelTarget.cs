namespace ChatMesh.Bench.Targets;

/// <summary>
/// The second baseline: <see cref="RawKestrelServer"/> (a raw Kestrel WebSocket broadcast) in its own process, reached
/// with the same raw WebSockets as the other servers.
/// </summary>
internal sealed class RawKestrelTarget : IChatTarget
{
    private ChildServer? _server;
    private Uri? _room;

    public string Name => "raw Kestrel WebSocket broadcast";

    public int ServerProcessId => _server?.ProcessId ?? 0;

    public async Task StartAsync(int receivers, CancellationToken cancellationToken)
    {
        _server = await ChildServer.StartAsync("--raw-server", cancellationToken);
        _room = new Uri($"ws://127.0.0.1:{_server.Port}/rooms/bench");
    }

    public async Task<RawSocket> ConnectReceiverAsync(int index, LatencyRecorder? recorder, CancellationToken cancellationToken)
    {
        var socket = await RawSocket.ConnectAsync(new Uri(_room!, "?join=1"), subProtocol: null, bearer: null, cancellationToken);
        socket.StartRecording(recorder);
        return socket;
    }

    public async Task<Func<string, CancellationToken, Task>> ConnectSenderAsync(CancellationToken cancellationToken)
    {
        var socket = await RawSocket.ConnectAsync(_room!, subProtocol: null, bearer: null, cancellationToken);
        socket.StartReceiving(static _ => { });
        return socket.SendAsync;
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }
}
