using System.Diagnostics;

namespace ChatMesh.Testing.Faults;

/// <summary>What every client of one fault case shares: the app's topology, the room, the ledger of sends and the clock.</summary>
internal sealed class FaultContext(Topology topology, string room, TimeSpan sendInterval)
{
    public Topology Topology { get; } = topology;

    public string Room { get; } = room;

    public TimeSpan SendInterval { get; } = sendInterval;

    public SendLedger Ledger { get; } = new();

    public SenderTrace Trace { get; } = new();

    public AnswerTally Answers { get; } = new();

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>The wall-clock time of <see cref="Clock"/>'s zero, to line the services' logs up with it.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>A client of its own, not pooled with others: a cut or a dead replica affects only this client's connections.</summary>
    public static HttpClient NewHttpClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
}
