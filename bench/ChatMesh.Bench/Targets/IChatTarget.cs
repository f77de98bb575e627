namespace ChatMesh.Bench.Targets;

/// <summary>A chat server under test, reached with the lightest correct client: a raw WebSocket speaking its protocol.</summary>
internal interface IChatTarget : IAsyncDisposable
{
    string Name { get; }

    int ServerProcessId { get; }

    Task StartAsync(int receivers, CancellationToken cancellationToken);

    /// <summary>A member of the benchmark room; every message it receives is recorded (or only counted when idle).</summary>
    Task<RawSocket> ConnectReceiverAsync(int index, LatencyRecorder? recorder, CancellationToken cancellationToken);

    /// <summary>A connection that can post into the benchmark room.</summary>
    Task<Func<string, CancellationToken, Task>> ConnectSenderAsync(CancellationToken cancellationToken);
}
