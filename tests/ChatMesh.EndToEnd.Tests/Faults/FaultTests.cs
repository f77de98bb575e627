using ChatMesh.EndToEnd.Tests.WebSockets;

namespace ChatMesh.EndToEnd.Tests.Faults;

/// <summary>
/// Issue #14 §1: every fault injected while traffic flows on every channel; each case asserts nothing acknowledged
/// was lost or doubled on any channel and that delivery came back. They kill processes of the shared AppHost, so
/// they run with the other disruptive tests, alone and in sequence; each case leaves every resource healthy again.
/// </summary>
[Collection(nameof(DisruptiveTests))]
public sealed class FaultTests(ChatMeshAppFixture fixture)
{
    private static readonly TimeSpan TrafficBeforeFault = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan TrafficAfterRepair = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(90);


    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public Task A_network_cut_of_every_client_mid_stream_loses_and_doubles_nothing() =>
        RunAsync("client network cut (every channel)", (driver, _) =>
        {
            driver.CutEveryClient();
            return Task.CompletedTask;
        });

    [Fact]
    public Task Kill_9_of_a_gateway_replica_loses_and_doubles_nothing() =>
        RunAsync("kill -9 gateway replica", (_, faults) => faults.KillReplicaAsync("gateway", 0, Cancel));

    [Fact]
    public Task Kill_9_of_a_notification_replica_loses_and_doubles_nothing() =>
        RunAsync("kill -9 notification replica", (_, faults) => faults.KillReplicaAsync("notification", 0, Cancel));

    [Fact]
    public Task Kill_9_of_a_legacy_replica_loses_and_doubles_nothing() =>
        RunAsync("kill -9 legacy replica", (_, faults) => faults.KillReplicaAsync("legacy", 0, Cancel));

    [Fact]
    public Task Kill_9_of_the_integration_service_loses_and_doubles_nothing() =>
        RunAsync("kill -9 integration", (_, faults) => faults.KillReplicaAsync("integration", 0, Cancel));

    [Fact]
    public Task Kill_9_of_redis_then_a_restart_on_its_AOF_loses_and_doubles_nothing() =>
        RunAsync("kill -9 redis-server, restart on AOF", (_, faults) => faults.KillRedisAsync(Cancel));

    [Fact]
    public Task Kill_9_of_rabbitmq_then_a_restart_loses_and_doubles_nothing() =>
        RunAsync("kill -9 rabbitmq, restart", (_, faults) => faults.KillRabbitMQAsync(Cancel));

    [Fact]
    public Task A_clean_restart_of_redis_loses_and_doubles_nothing() =>
        RunAsync("redis clean restart (resource-stop, resource-start)", (_, faults) => faults.RestartCleanlyAsync("redis", Cancel));

    [Fact]
    public Task A_clean_restart_of_rabbitmq_loses_and_doubles_nothing() =>
        RunAsync("rabbitmq clean restart (resource-stop, resource-start)", (_, faults) => faults.RestartCleanlyAsync("messaging", Cancel));

    /// <summary>Slow Redis: every commit waits for the pause; senders get their ack (or an error) within the sender's own bound, never hang.</summary>
    [Fact]
    public Task Redis_holding_every_write_for_5_s_delays_acks_but_loses_and_doubles_nothing() =>
        RunAsync("redis slow: CLIENT PAUSE 5 s WRITE", (_, faults) => faults.PauseRedisWritesAsync(TimeSpan.FromSeconds(5), Cancel));

    /// <summary>Slow RabbitMQ: the node frozen (SIGSTOP) for 5 s; commits need only Redis, so senders are still answered within their bound.</summary>
    [Fact]
    public Task RabbitMQ_frozen_for_5_s_delays_live_delivery_but_loses_and_doubles_nothing() =>
        RunAsync("rabbitmq slow: node SIGSTOP 5 s, SIGCONT", (_, faults) => faults.PauseRabbitMQAsync(TimeSpan.FromSeconds(5), Cancel));

    /// <summary>The broker refusing connections for 5 s (<c>rabbitmqctl stop_app</c>, then <c>start_app</c>); commits need only Redis.</summary>
    [Fact]
    public Task RabbitMQ_refusing_connections_for_5_s_loses_and_doubles_nothing() =>
        RunAsync("rabbitmq refusing connections: stop_app 5 s, start_app", (_, faults) => faults.RefuseRabbitMQConnectionsAsync(TimeSpan.FromSeconds(5), Cancel));

    private async Task RunAsync(string name, Func<FaultDriver, FaultInjector, Task> fault)
    {
        await using var topology = await Topology.StartAsync(fixture.App, Cancel);
        foreach (var service in ChatMeshAppFixture.Services)
        {
            await topology.WaitAllReadyAsync(service, TimeSpan.FromMinutes(2));
        }

        await using var driver = await FaultDriver.StartAsync(topology, name, Cancel);
        await Task.Delay(TrafficBeforeFault, Cancel);
        await driver.InjectAsync(() => fault(driver, new FaultInjector(fixture.App, topology)));
        var row = await driver.FinishAsync(TrafficAfterRepair, Cancel);
        FaultReport.Add(row);
        TestContext.Current.TestOutputHelper?.WriteLine(driver.Describe(row));
        WriteServiceWarnings();
        WriteLogsAround(driver);

        AssertNothingLostOrDoubled(driver, row, RecoveryBound);
    }

    /// <summary>What every fault case asserts of its row (the failover cases too).</summary>
    internal static void AssertNothingLostOrDoubled(FaultDriver driver, FaultRow row, TimeSpan recoveryBound)
    {
        Assert.True(row.Acked > 0, "nothing was acknowledged: the case measured nothing");
        Assert.True(row.Lost == 0, $"acknowledged messages lost: {driver.Describe(row)}");
        Assert.True(row.LiveGaps == 0, $"a connected client silently missed acknowledged messages: {driver.Describe(row)}");
        Assert.True(row.Duplicated == 0, $"messages doubled: {driver.Describe(row)}");
        // Every message is acknowledged before the case ends (a sender retries an attempt unanswered in 10 s with the same
        // key, as docs/protocol.md tells a client): no send hangs without a bound. Attempts that went unanswered for 10 s
        // are reported in the row, not failed on: a rare stall of one attempt (2 of ~1,000) under kill -9 of the broker or
        // of integration is an open item in docs/reliability.md.
        Assert.True(row.Acked == row.Sent, $"{row.Sent - row.Acked} messages never acknowledged: {driver.Describe(row)}");
        Assert.True(row.LongestPause < recoveryBound, $"delivery did not come back on every channel within {recoveryBound}: {driver.Describe(row)}");
    }

    // Diagnostics: every service log line from 1 s before each unanswered attempt to 11 s after it, in time order.
    private void WriteLogsAround(FaultDriver driver)
    {
        foreach (var stall in driver.Stalls)
        {
            var from = driver.WallClock(stall.StartedAt - TimeSpan.FromSeconds(1));
            var to = driver.WallClock(stall.StartedAt + TimeSpan.FromSeconds(11));
            var lines = fixture.Telemetry.Logs
                .Where(log => log.Time >= from && log.Time <= to)
                .OrderBy(log => log.Time)
                .Select(log => $"{(log.Time - driver.WallClock(TimeSpan.Zero)).TotalSeconds:0.000} s {log.Resource.Service}/{log.Resource.Instance} [{log.Severity}] {log.Body[..Math.Min(log.Body.Length, 200)]} {string.Join(' ', log.Attributes.Where(a => !a.Key.StartsWith("exception.stacktrace", StringComparison.Ordinal)).Select(a => $"{a.Key}={a.Value[..Math.Min(a.Value.Length, 120)]}"))}")
                .Take(400);
            TestContext.Current.TestOutputHelper?.WriteLine($"service logs around {stall.Sender} {stall.Key}:\n" + string.Join('\n', lines));
        }
    }

    // Diagnostics: what the services warned about during the case (deduplicated), so a failure shows its cause.
    private void WriteServiceWarnings()
    {
        var lines = fixture.Telemetry.Logs
            .Where(log => log.Severity >= 13)
            .GroupBy(log => $"{log.Resource.Service}/{log.Resource.Instance}: {log.Body[..Math.Min(log.Body.Length, 300)]} {string.Join(' ', log.Attributes.Where(a => a.Key.StartsWith("exception.message", StringComparison.Ordinal) || !a.Key.StartsWith("exception", StringComparison.Ordinal)).Select(a => $"{a.Key}={a.Value[..Math.Min(a.Value.Length, 200)]}"))}")
            .Select(group => $"{group.Count()}x {group.Key}")
            .Take(300);
        TestContext.Current.TestOutputHelper?.WriteLine("service warnings:\n" + string.Join('\n', lines));
    }
}
