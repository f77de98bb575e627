using System.Net;
using ChatMesh.AppHost.Infrastructure;
using ChatMesh.EndToEnd.Tests.Faults;
using ChatMesh.EndToEnd.Tests.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatMesh.EndToEnd.Tests.Failover;

/// <summary>
/// Issue #15 §1: Redis with a replica and Sentinel. Under traffic on every channel the primary is SIGKILLed and left
/// down; the Sentinels promote the replica, the services follow it, and every acknowledged message is delivered on
/// every channel exactly once (writes are acknowledged only once the replica has them: <c>Chat:Durability:Replicas</c>).
/// Runs with the other disruptive tests (alone), on its own AppHost.
/// </summary>
[Collection(nameof(DisruptiveTests))]
public sealed class SentinelFailoverTests(SentinelAppFixture fixture) : IClassFixture<SentinelAppFixture>
{
    private static readonly TimeSpan TrafficBeforeFault = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan TrafficAfterRepair = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(90);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill_9_of_the_redis_primary_promotes_the_replica_and_loses_and_doubles_nothing()
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

        await using var driver = await FaultDriver.StartAsync(topology, "kill -9 redis primary, Sentinel promotes the replica", Cancel);
        await Task.Delay(TrafficBeforeFault, Cancel);
        var killedAt = DateTime.UtcNow;
        var promotedAfter = TimeSpan.Zero;
        await driver.InjectAsync(async () =>
        {
            Assert.NotEmpty(FaultInjector.KillRedisServer(redis.Port));
            // The Sentinels call the primary down after down-after-milliseconds, agree, and promote the replica.
            while (await PrimaryPortAsync(redis, password) is not { } port || port == redis.Port)
            {
                Assert.True(DateTime.UtcNow - killedAt < RecoveryBound, $"no Sentinel named a new primary within {RecoveryBound}");
                await Task.Delay(200, Cancel);
            }

            promotedAfter = DateTime.UtcNow - killedAt;

            // With one replica, the promoted primary has none until the old one returns: writes are refused (WAIT 1 fails,
            // not acknowledged) meanwhile. Start the killed server again; the Sentinels make it a replica of the new primary.
            var instance = topology.Of("redis").Single();
            var started = await fixture.App.ResourceCommands.ExecuteCommandAsync(instance.ResourceId, KnownResourceCommands.StartCommand, Cancel);
            Assert.True(started.Success, $"resource-start {instance.ResourceId} failed: {started.Message}");
        });
        var row = await driver.FinishAsync(TrafficAfterRepair, Cancel);
        FaultReport.Add(row);
        TestContext.Current.TestOutputHelper?.WriteLine($"{driver.Describe(row)}; promoted after {promotedAfter.TotalSeconds:0.0} s");

        Assert.True(row.Acked > 0, "nothing was acknowledged: the case measured nothing");
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
}
