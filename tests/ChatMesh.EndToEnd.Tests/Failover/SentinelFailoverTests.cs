using System.Net;
using ChatMesh.AppHost.Infrastructure;
using ChatMesh.EndToEnd.Tests.Faults;
using ChatMesh.Testing.Faults;
using ChatMesh.EndToEnd.Tests.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatMesh.EndToEnd.Tests.Failover;

/// <summary>
/// Issue #15 §1: Redis as a primary, two replicas and three Sentinels. Under traffic on every channel the primary is
/// SIGKILLed; the Sentinels promote a replica, the services follow it, and writes keep being acknowledged while the
/// old primary is down (the other replica confirms them: <c>Chat:Durability:Replicas=1</c>). The old primary is then
/// started again and must rejoin as a replica of the new one. Every acknowledged message is delivered on every
/// channel exactly once. Runs with the other disruptive tests (alone), on its own AppHost (2 gateway, notification and
/// legacy replicas, as the assembly's).
/// </summary>
[Collection(nameof(DisruptiveTests))]
public sealed class SentinelFailoverTests(SentinelAppFixture fixture) : IClassFixture<SentinelAppFixture>
{
    private static readonly TimeSpan TrafficBeforeFault = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan TrafficWithPrimaryDown = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TrafficAfterRepair = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(90);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill_9_of_the_redis_primary_promotes_a_replica_keeps_acknowledging_and_loses_and_doubles_nothing()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var redis = model.Resources.OfType<LocalRedisSentinelResource>().Single();
        var connectionString = await fixture.App.GetConnectionStringAsync("redis", Cancel) ?? throw new InvalidOperationException("redis has no connection string");
        var password = ConfigurationOptions.Parse(connectionString).Password;
        Assert.Equal(redis.Port, await PrimaryPortAsync(redis, password));

        await using var topology = await Topology.StartAsync(fixture.App, Cancel);
        foreach (var service in ChatMeshAppFixture.Services)
        {
            await topology.WaitAllReadyAsync(service, TimeSpan.FromMinutes(2));
        }

        await using var driver = await FaultDriver.StartAsync(topology, "kill -9 redis primary (Sentinel: 2 replicas, WAIT 1), old primary restarted", Cancel);
        await Task.Delay(TrafficBeforeFault, Cancel);
        var killedAt = DateTime.UtcNow;
        var (promotedAfter, rejoinedAfter, newPrimary, ackedWhileDown) = (TimeSpan.Zero, TimeSpan.Zero, 0, 0);
        await driver.InjectAsync(async () =>
        {
            Assert.NotEmpty(FaultInjector.KillRedisServer(redis.Port));
            // The Sentinels call the primary down after down-after-milliseconds, agree, and promote a replica.
            while (await PrimaryPortAsync(redis, password) is not { } port || port == redis.Port)
            {
                Assert.True(DateTime.UtcNow - killedAt < RecoveryBound, $"no Sentinel named a new primary within {RecoveryBound}");
                await Task.Delay(200, Cancel);
            }

            promotedAfter = DateTime.UtcNow - killedAt;
            newPrimary = (await PrimaryPortAsync(redis, password))!.Value;
            Assert.Contains(newPrimary, redis.ReplicaPorts);

            // The old primary stays down: the promoted primary's one remaining replica confirms each write.
            var ackedAtPromotion = driver.Acked;
            await Task.Delay(TrafficWithPrimaryDown, Cancel);
            ackedWhileDown = driver.Acked - ackedAtPromotion;

            // Started again on its own data, it comes back a primary nobody follows; the Sentinels make it a replica
            // of the new primary (healthy = every Sentinel knows two replicas in sync again).
            await new FaultInjector(fixture.App, topology).StartAgainAsync(topology.Of("redis").Single().ResourceId, Cancel);
            Assert.Equal(newPrimary, await PrimaryPortAsync(redis, password));
            var replication = await ReplicationAsync(redis.Port, password);
            Assert.Contains("role:slave", replication, StringComparison.Ordinal);
            Assert.Contains($"master_port:{newPrimary}", replication, StringComparison.Ordinal);
            Assert.Contains("master_link_status:up", replication, StringComparison.Ordinal);
            rejoinedAfter = DateTime.UtcNow - killedAt;
        });
        var row = await driver.FinishAsync(TrafficAfterRepair, Cancel);
        FaultReport.Add(row);
        var timings = $"promoted after {promotedAfter.TotalSeconds:0.0} s (port {newPrimary}); {ackedWhileDown} acknowledged with the old primary down; " +
            $"old primary a replica again after {rejoinedAfter.TotalSeconds:0.0} s";
        TestContext.Current.TestOutputHelper?.WriteLine($"{driver.Describe(row)}\n{timings}");
        TestContext.Current.TestOutputHelper?.WriteLine("service warnings:\n" + string.Join('\n', fixture.Telemetry.Logs
            .Where(log => log.Severity >= 13)
            .GroupBy(log => $"{log.Resource.Service}/{log.Resource.Instance}: {log.Body[..Math.Min(log.Body.Length, 300)]} {string.Join(' ', log.Attributes.Where(a => a.Key == "exception.message").Select(a => a.Value[..Math.Min(a.Value.Length, 300)]))}")
            .Select(group => $"{group.Count()}x {group.Key}")
            .Take(100)));

        Assert.True(ackedWhileDown > 0, $"no write was acknowledged after the promotion while the old primary was down: {timings}");
        Assert.True(row.Lost == 0, $"acknowledged messages lost across the failover: {driver.Describe(row)}");
        Assert.True(row.LiveGaps == 0, $"a connected client silently missed acknowledged messages: {driver.Describe(row)}");
        Assert.True(row.Duplicated == 0, $"messages doubled: {driver.Describe(row)}");
        Assert.True(row.Acked == row.Sent, $"{row.Sent - row.Acked} messages never acknowledged: {driver.Describe(row)}");
        Assert.True(row.LongestPause < RecoveryBound, $"delivery did not come back on every channel within {RecoveryBound}: {driver.Describe(row)}");
    }

    /// <summary>Where the first Sentinel that answers says the primary is (null while none answers).</summary>
    private static async Task<int?> PrimaryPortAsync(LocalRedisSentinelResource redis, string? password)
    {
        foreach (var port in redis.SentinelPorts)
        {
            try
            {
                var options = new ConfigurationOptions { CommandMap = CommandMap.Sentinel, Password = password, AbortOnConnectFail = true, ConnectTimeout = 2000 };
                options.EndPoints.Add("127.0.0.1", port);
                await using var sentinel = await ConnectionMultiplexer.ConnectAsync(options);
                var primary = await sentinel.GetServer("127.0.0.1", port).SentinelGetMasterAddressByNameAsync(LocalRedisSentinelResource.ServiceName);
                if (primary is IPEndPoint endpoint)
                {
                    return endpoint.Port;
                }
            }
            catch (RedisConnectionException)
            {
                // This Sentinel is not answering; ask the next.
            }
        }

        return null;
    }

    /// <summary>The INFO replication section of the server on <paramref name="port"/> (asked directly, not through Sentinel).</summary>
    private static async Task<string> ReplicationAsync(int port, string? password)
    {
        var options = new ConfigurationOptions { Password = password, AbortOnConnectFail = true, ConnectTimeout = 2000 };
        options.EndPoints.Add("127.0.0.1", port);
        await using var server = await ConnectionMultiplexer.ConnectAsync(options);
        return (string)(await server.GetDatabase().ExecuteAsync("INFO", "replication"))!;
    }
}
