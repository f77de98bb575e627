using ChatMesh.Chat.Hosting;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Hosting;

/// <summary>
/// deploy/kubernetes/overlays/example/secrets.env.example is the multi-node shape: its connection strings must be
/// what the services parse as Redis through Sentinel and a RabbitMQ cluster, or the example teaches a broken setup.
/// </summary>
public sealed class DeploymentExampleTests
{
    private static readonly Dictionary<string, string> Example = ReadExample();

    [Fact]
    public void The_example_redis_connection_goes_through_three_Sentinels_by_service_name()
    {
        var redis = ConfigurationOptions.Parse(Example["ConnectionStrings__redis"]);

        Assert.Equal("chatmesh", redis.ServiceName);
        Assert.Equal(3, redis.EndPoints.Count);
        Assert.False(redis.AbortOnConnectFail);
    }

    [Fact]
    public void The_example_messaging_connection_lists_three_nodes_with_quorum_queues()
    {
        var messaging = MessagingConnection.Parse(Example["ConnectionStrings__messaging"], null);

        Assert.Equal(3, messaging.Nodes.Count);
        Assert.Equal(3, messaging.NodeAddresses.Distinct().Count());
        Assert.True(messaging.QuorumQueues);
    }

    /// <summary>The example's active <c>KEY=value</c> lines (comments skipped), as kustomize's secretGenerator reads them.</summary>
    private static Dictionary<string, string> ReadExample()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ChatMesh.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("ChatMesh.sln not found above the test binaries"),
            "deploy", "kubernetes", "overlays", "example", "secrets.env.example");
        return File.ReadAllLines(path)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
    }
}
