using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Hosting;

/// <summary>
/// Instances of a service spread their RabbitMQ connections over the cluster's nodes: each takes a turn from Redis
/// (real redis-server) and starts its node list there.
/// </summary>
public sealed class MessagingNodeTurnTests(RedisProcess redis)
{
    private const string Cluster = "amqp://u:p@rabbit-1:5672,amqp://u:p@rabbit-2:5673,amqp://u:p@rabbit-3:5674";

    [Fact]
    public void A_node_list_started_at_another_node_wraps_around_and_keeps_every_node_once()
    {
        var connection = MessagingConnection.Parse(Cluster, null);

        Assert.Equal(["rabbit-1:5672", "rabbit-2:5673", "rabbit-3:5674"], connection.NodeAddressesFrom(0));
        Assert.Equal(["rabbit-3:5674", "rabbit-1:5672", "rabbit-2:5673"], connection.NodeAddressesFrom(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => connection.NodeAddressesFrom(3).ToList());
    }

    [Fact]
    public async Task Instances_started_in_a_row_start_on_different_nodes_and_cover_the_cluster()
    {
        await using var multiplexer = await redis.ConnectAsync();
        using var services = Services(multiplexer);

        // Three instances starting one after the other, as replicas do: three different first nodes.
        var firsts = Enumerable.Range(0, 3).Select(_ => MessagingNodeTurn.Take(services, 3)).ToList();

        Assert.Equal([0, 1, 2], firsts.Order());
        var connection = MessagingConnection.Parse(Cluster, null);
        Assert.Equal(3, firsts.Select(first => connection.NodeAddressesFrom(first).First()).Distinct().Count());
    }

    [Fact]
    public async Task Without_Redis_an_instance_starts_on_a_random_node_of_the_list()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{FreePort.Next()}");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 200;
        options.SyncTimeout = 200;
        await using var unreachable = await ConnectionMultiplexer.ConnectAsync(options);
        using var services = Services(unreachable);

        Assert.InRange(MessagingNodeTurn.Take(services, 3), 0, 2);
        Assert.Equal(0, MessagingNodeTurn.Take(services, 1));
    }

    private static ServiceProvider Services(IConnectionMultiplexer multiplexer) =>
        new ServiceCollection().AddLogging().AddSingleton(multiplexer).BuildServiceProvider();
}
