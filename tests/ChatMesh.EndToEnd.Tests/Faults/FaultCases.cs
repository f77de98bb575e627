namespace ChatMesh.Testing.Faults;

/// <summary>One fault: its id (<c>--faults</c> of the bench), its row's name, and how it is injected and repaired.</summary>
public sealed record FaultCase(string Id, string Name, Func<FaultDriver, FaultInjector, CancellationToken, Task> Inject);

/// <summary>
/// Every fault of issue #14 §1, run short by <c>FaultTests</c> (one test each) and long by the bench's
/// <c>--scenario faults</c>, so the two always cover the same cases.
/// </summary>
public static class FaultCases
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<FaultCase> All { get; } =
    [
        new("client-cut", "client network cut (every channel)", (driver, _, _) =>
        {
            driver.CutEveryClient();
            return Task.CompletedTask;
        }),
        new("kill-gateway", "kill -9 gateway replica", (_, faults, cancel) => faults.KillReplicaAsync("gateway", 0, cancel)),
        new("kill-notification", "kill -9 notification replica", (_, faults, cancel) => faults.KillReplicaAsync("notification", 0, cancel)),
        new("kill-legacy", "kill -9 legacy replica", (_, faults, cancel) => faults.KillReplicaAsync("legacy", 0, cancel)),
        new("kill-integration", "kill -9 integration", (_, faults, cancel) => faults.KillReplicaAsync("integration", 0, cancel)),
        new("kill-redis", "kill -9 redis-server, restart on AOF", (_, faults, cancel) => faults.KillRedisAsync(cancel)),
        new("kill-rabbitmq", "kill -9 rabbitmq, restart", (_, faults, cancel) => faults.KillRabbitMQAsync(cancel)),
        new("restart-redis", "redis clean restart (resource-stop, resource-start)", (_, faults, cancel) => faults.RestartCleanlyAsync("redis", cancel)),
        new("restart-rabbitmq", "rabbitmq clean restart (resource-stop, resource-start)", (_, faults, cancel) => faults.RestartCleanlyAsync("messaging", cancel)),
        new("slow-redis", "redis slow: CLIENT PAUSE 5 s WRITE", (_, faults, cancel) => faults.PauseRedisWritesAsync(Slow, cancel)),
        new("slow-rabbitmq", "rabbitmq slow: node SIGSTOP 5 s, SIGCONT", (_, faults, cancel) => faults.PauseRabbitMQAsync(Slow, cancel)),
        new("refuse-rabbitmq", "rabbitmq refusing connections: stop_app 5 s, start_app", (_, faults, cancel) => faults.RefuseRabbitMQConnectionsAsync(Slow, cancel)),
    ];

    /// <summary>The case with this id.</summary>
    public static FaultCase Get(string id) =>
        All.SingleOrDefault(fault => fault.Id == id) ?? throw new ArgumentException($"Unknown fault case {id}: one of {string.Join(", ", All.Select(fault => fault.Id))}.");

    /// <summary>
    /// One case end to end on <paramref name="app"/>: once every instance of <paramref name="services"/> is ready,
    /// traffic for <paramref name="before"/>, the fault and its repair, traffic for <paramref name="after"/>, then the
    /// drain; <paramref name="inspect"/> gets the driver and the row before the driver's clients are stopped.
    /// </summary>
    public static async Task<FaultRow> RunAsync(FaultCase fault, DistributedApplication app, IEnumerable<string> services, TimeSpan before, TimeSpan after,
        Action<FaultDriver, FaultRow> inspect, CancellationToken cancel)
    {
        await using var topology = await Topology.StartAsync(app, cancel);
        foreach (var service in services)
        {
            await topology.WaitAllReadyAsync(service, TimeSpan.FromMinutes(2));
        }

        await using var driver = await FaultDriver.StartAsync(topology, fault.Name, cancel);
        await Task.Delay(before, cancel);
        await driver.InjectAsync(() => fault.Inject(driver, new FaultInjector(app, topology), cancel));
        var row = await driver.FinishAsync(after, cancel);
        inspect(driver, row);
        return row;
    }
}
