using System.Globalization;
using ChatMesh.EndToEnd.Tests.Faults;
using ChatMesh.Testing.Faults;
using ChatMesh.EndToEnd.Tests.WebSockets;

namespace ChatMesh.EndToEnd.Tests.Failover;

/// <summary>
/// Issue #15 §1: RabbitMQ as a 3-node cluster. The cluster is one cluster of three running nodes whose durable queues
/// are quorum queues on all three; service instances spread their connections over the nodes (each takes a turn for
/// its first node); under traffic on every channel, <c>kill -9</c> of the node most service connections use loses and
/// doubles nothing: services reconnect to a surviving node, declare their per-instance live queues again
/// there, and the hub repairs what those queues missed from the outbox. Disruptive (it kills a broker node), so it
/// runs with the other disruptive tests, alone.
/// </summary>
[Collection(nameof(DisruptiveTests))]
public sealed class RabbitClusterFailoverTests(RabbitClusterAppFixture fixture) : IClassFixture<RabbitClusterAppFixture>
{
    private static readonly TimeSpan TrafficBeforeFault = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan NodeDown = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan TrafficAfterRepair = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_three_nodes_form_one_cluster_and_every_durable_queue_is_a_quorum_queue_on_all_three()
    {
        await using var topology = await ReadyTopologyAsync();
        var ctl = new RabbitClusterCtl(fixture.App);
        var all = ctl.Nodes.Select(node => node.NodeName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(all, await ctl.RunningNodesAsync(Cancel));
        var queues = await ctl.QueuesAsync(Cancel);
        Write("queues", queues);
        var durable = queues.Where(queue => queue.Durable).ToList();
        Assert.Contains(durable, queue => queue.Name == "integration-webhooks");
        Assert.All(durable, queue =>
        {
            Assert.Equal("quorum", queue.Type);
            Assert.Equal(all, queue.Members);
        });
        // The per-instance live queues stay classic and exclusive: they die with their connection by design.
        var live = queues.Where(queue => queue.Name.StartsWith("live-", StringComparison.Ordinal)).ToList();
        Assert.True(live.Count >= 6, $"expected a live queue per gateway, notification and legacy replica, found {live.Count}");
        Assert.All(live, queue => Assert.True(queue is { Type: "classic", Durable: false, Exclusive: true }, $"{queue}"));
    }

    [Fact]
    public async Task Service_instances_spread_their_connections_over_the_nodes()
    {
        await using var topology = await ReadyTopologyAsync();
        var ctl = new RabbitClusterCtl(fixture.App);

        var connections = await ctl.ConnectionsPerNodeAsync(Cancel);
        Write("connections per node", connections.Select(pair => $"{pair.Key.NodeName}: {pair.Value}"));

        // Instances take turns for their first node (MessagingNodeTurn): with 8 instances on 3 nodes each node gets its
        // share. Still at least two nodes after the kill test, whose victim's instances all moved to one other node.
        Assert.True(connections.Count(pair => pair.Value > 0) >= 2,
            $"every connection is on one node: {string.Join(", ", connections.Select(pair => $"{pair.Key.NodeName}: {pair.Value}"))}");
    }

    [Fact]
    public async Task Kill_9_of_the_RabbitMQ_node_most_connections_use_loses_and_doubles_nothing()
    {
        await using var topology = await ReadyTopologyAsync();
        var ctl = new RabbitClusterCtl(fixture.App);
        var connections = await ctl.ConnectionsPerNodeAsync(Cancel);
        var victim = connections.MaxBy(pair => pair.Value).Key;
        // Spread over the nodes, the kill moves only the victim's share of the connections, not all of them.
        Assert.True(connections[victim] < connections.Values.Sum(), $"every connection is on {victim.NodeName}");
        var liveBefore = (await ctl.QueuesAsync(Cancel)).Where(queue => queue.Exclusive).ToList();
        var liveOnVictim = liveBefore.Where(queue => queue.Node == victim.NodeName).Select(queue => queue.Name).ToList();
        Write("connections per node", connections.Select(pair => $"{pair.Key.NodeName}: {pair.Value}"));
        Write("live queues before", liveBefore);
        Assert.True(liveOnVictim.Count > 0, $"no live queue on {victim.NodeName}: the case would not test their loss");

        await using var driver = await FaultDriver.StartAsync(topology, "kill -9 of one RabbitMQ cluster node (the one most connections use), restart after 20 s", Cancel);
        await Task.Delay(TrafficBeforeFault, Cancel);
        var faults = new FaultInjector(fixture.App, topology);
        TimeSpan failover = default, redeclared = default, whole = default;
        var pauses = "";
        IReadOnlyList<ClusterQueue> liveAfter = [];
        await driver.InjectAsync(async () =>
        {
            var killedAt = driver.Now;
            faults.KillRabbitMQNode(victim.ResourceName, victim.NodeName);

            // With the node still down: every live queue it held is declared again on a surviving node.
            liveAfter = await EventuallyAsync(ctl, queues => liveBefore.All(before => queues.Any(queue => queue.Name == before.Name && queue.Node != victim.NodeName)), NodeDown);
            redeclared = driver.Now - killedAt;
            var remaining = killedAt + NodeDown - driver.Now;
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining, Cancel);
            }

            // Every client's longest wait for a delivery while the node was down: the failover's recovery time.
            var restartAt = driver.Now;
            failover = driver.Logs.Max(log => log.LongestPause(killedAt, restartAt));
            pauses = string.Join(", ", driver.Logs.Select(log => string.Create(CultureInfo.InvariantCulture, $"{log.Client} {log.LongestPause(killedAt, restartAt).TotalSeconds:0.0} s")));
            await faults.StartAgainAsync(topology.Of(victim.ResourceName).Single().ResourceId, Cancel);
            await topology.WaitAllReadyAsync(ChatMeshAppFixture.MessagingResource, RecoveryBound);
            whole = driver.Now - killedAt;
        });
        var row = await driver.FinishAsync(TrafficAfterRepair, Cancel);
        FaultReport.Add(row);
        var repaired = Total("chatmesh.live.repaired");
        var lost = Total("chatmesh.live.lost");
        Write("live queues after the failover", liveAfter);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"killed {victim.NodeName} ({connections[victim]} of {connections.Values.Sum()} connections, {liveOnVictim.Count} live queues); live queues declared again on surviving nodes after {redeclared.TotalSeconds:0.0} s; longest delivery pause while it was down {failover.TotalSeconds:0.0} s ({pauses}); cluster of three running members again {whole.TotalSeconds:0.0} s after the kill; events repaired from the outbox by the hubs {repaired}, unrepairable {lost}\n{driver.Describe(row)}"));

        FaultTests.AssertNothingLostOrDoubled(driver, row, RecoveryBound);
        // Delivery came back on every channel while the node was still down: the cluster, not the restart, recovered it.
        Assert.True(failover < NodeDown, $"some client received nothing for the whole {NodeDown} the node was down: {driver.Describe(row)}");
        // The restarted node is a member of every quorum queue again (it caught up from the leader).
        var all = ctl.Nodes.Select(node => node.NodeName).Order(StringComparer.Ordinal).ToList();
        await EventuallyAsync(ctl, queues => queues.Where(queue => queue.Durable).All(queue => queue.Online.SequenceEqual(all)), RecoveryBound);
    }

    private async Task<Topology> ReadyTopologyAsync()
    {
        var topology = await Topology.StartAsync(fixture.App, Cancel);
        await topology.WaitAllReadyAsync(ChatMeshAppFixture.MessagingResource, TimeSpan.FromMinutes(2));
        foreach (var service in ChatMeshAppFixture.Services)
        {
            await topology.WaitAllReadyAsync(service, TimeSpan.FromMinutes(2));
        }

        return topology;
    }

    private static async Task<IReadOnlyList<ClusterQueue>> EventuallyAsync(RabbitClusterCtl ctl, Func<IReadOnlyList<ClusterQueue>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var queues = await ctl.QueuesAsync(Cancel);
            if (condition(queues))
            {
                return queues;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the cluster's queues did not reach the expected state within {timeout}: {string.Join("; ", queues)}");
            }

            await Task.Delay(250, Cancel);
        }
    }

    /// <summary>A counter's total over every service instance (newest point of each series; these counters carry no attributes).</summary>
    private double Total(string name) => fixture.Telemetry.MetricPoints
        .Where(point => point.Name == name)
        .GroupBy(point => point.Resource.Service + "|" + point.Resource.Instance)
        .Sum(series => series.MaxBy(point => point.Time)!.Value);

    private static void Write<T>(string what, IEnumerable<T> items) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"{what}:\n  {string.Join("\n  ", items)}");
}
