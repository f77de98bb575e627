namespace ChatMesh.Bench.Targets;

/// <summary>A server of the held-connection scenarios (SSE, long-poll): ChatMesh's service or the raw Kestrel floor.</summary>
internal interface IHeldServer : IAsyncDisposable
{
    /// <summary>The report's name of the server (e.g. <c>raw Kestrel SSE</c>).</summary>
    string Name { get; }

    /// <summary>The process whose memory and idle CPU are measured.</summary>
    int ProcessId { get; }

    /// <summary>A client for thousands of long-lived requests straight to the server (<see cref="StreamingHttp"/>).</summary>
    HttpClient Http { get; }

    /// <summary>The bearer token of receiver user <paramref name="user"/>, or null where the server has no auth.</summary>
    string? ReceiverToken(int user);

    /// <summary>What the report should say about the run besides the figures (e.g. ChatMesh's outbox leader), or empty.</summary>
    Task<string> DescribeAsync(CancellationToken cancellationToken);

    /// <summary>Posts one message into the benchmark room.</summary>
    Task<Func<string, CancellationToken, Task>> ConnectSenderAsync(CancellationToken cancellationToken);
}
