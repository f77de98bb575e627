using System.Diagnostics;
using System.Globalization;
using System.Net;
using ChatMesh.Chat.Tests.Infrastructure;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Redis;

/// <summary>
/// A real Sentinel topology on loopback, as the AppHost's Sentinel mode runs it: one primary, two replicas and three
/// <c>redis-sentinel</c> processes (quorum 2), with a short <c>down-after-milliseconds</c> so a failover takes seconds.
/// Clients connect with <see cref="ConnectionString"/> (the Sentinels and <c>serviceName=</c>), as the services do.
/// </summary>
public sealed class SentinelTopology : IAsyncLifetime
{
    public const string ServiceName = "chatmesh-test";
    private const string SentinelPath = "/usr/bin/redis-sentinel";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("chatmesh-sentinel-").FullName;
    private readonly List<ServerProcess> _sentinels = [];
    private readonly List<int> _sentinelPorts = [];

    /// <summary>The servers: [0] is the first primary, [1] and [2] its replicas.</summary>
    public List<RedisServerFixture> Servers { get; } = [];

    /// <summary>The StackExchange.Redis configuration a service gets in Sentinel mode.</summary>
    public string ConnectionString =>
        string.Join(',', _sentinelPorts.Select(port => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}")) + $",serviceName={ServiceName}";

    public async ValueTask InitializeAsync()
    {
        var primary = new RedisServerFixture();
        await primary.InitializeAsync();
        Servers.Add(primary);
        for (var i = 0; i < 2; i++)
        {
            var replica = new RedisServerFixture(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]);
            await replica.InitializeAsync();
            Servers.Add(replica);
        }

        for (var i = 0; i < 3; i++)
        {
            var (sentinel, port) = await ServerStart.RetryAsync(SentinelPath, attempt => StartSentinelAsync(i, attempt, primary.Port));
            _sentinels.Add(sentinel);
            _sentinelPorts.Add(port);
        }

        // Ready once both replicas are in sync and every Sentinel knows them and the other Sentinels (a failover could happen now).
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (!await AllSentinelsReadyAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the Sentinels did not all see two replicas and two peers within {ReadyTimeout}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Sentinel <paramref name="index"/> on a fresh port, answering as itself (a fresh config file each attempt: Sentinel rewrites its own).</summary>
    private async Task<(ServerProcess Sentinel, int Port)> StartSentinelAsync(int index, int attempt, int primaryPort)
    {
        var port = FreePort.Next();
        var config = Path.Combine(_directory, $"sentinel-{index}-{attempt}.conf");
        await File.WriteAllTextAsync(config, string.Join('\n',
            $"port {port}",
            "bind 127.0.0.1",
            "daemonize no",
            $"dir {_directory}",
            $"sentinel monitor {ServiceName} 127.0.0.1 {primaryPort} 2",
            $"sentinel down-after-milliseconds {ServiceName} 1000",
            $"sentinel failover-timeout {ServiceName} 5000",
            $"sentinel parallel-syncs {ServiceName} 1",
            ""));
        var sentinel = ServerProcess.Start(new ProcessStartInfo(SentinelPath, [config]));
        try
        {
            await (await RedisServerFixture.ConnectToOwnAsync(sentinel, port, sentinel: true)).DisposeAsync();
            return (sentinel, port);
        }
        catch (ServerStartException)
        {
            await sentinel.DisposeAsync();
            throw;
        }
    }

    /// <summary>The port of the primary the first answering Sentinel names (null while none answers).</summary>
    public async Task<int?> PrimaryPortAsync()
    {
        foreach (var port in _sentinelPorts)
        {
            try
            {
                await using var sentinel = await ConnectSentinelAsync(port);
                if (await sentinel.GetServer("127.0.0.1", port).SentinelGetMasterAddressByNameAsync(ServiceName) is IPEndPoint endpoint)
                {
                    return endpoint.Port;
                }
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
                // Not answering (or too slow, mid-failover on a loaded machine): ask the next.
            }
        }

        return null;
    }

    /// <summary>Waits until the Sentinels name a primary other than <paramref name="oldPort"/>; returns its port.</summary>
    public async Task<int> WaitForPromotionAsync(int oldPort, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (await PrimaryPortAsync() is not { } port || port == oldPort)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no Sentinel named a new primary within {within}");
            }

            await Task.Delay(100);
        }

        return (await PrimaryPortAsync())!.Value;
    }

    public RedisServerFixture Server(int port) => Servers.Single(server => server.Port == port);

    private async Task<bool> AllSentinelsReadyAsync()
    {
        var replication = (string)(await Servers[0].Connection.GetDatabase().ExecuteAsync("INFO", "replication"))!;
        if (replication.Split("\r\n").Count(line => line.StartsWith("slave", StringComparison.Ordinal) && line.Contains("state=online", StringComparison.Ordinal)) < 2)
        {
            return false;
        }

        foreach (var port in _sentinelPorts)
        {
            try
            {
                await using var sentinel = await ConnectSentinelAsync(port);
                var server = sentinel.GetServer("127.0.0.1", port);
                if ((await server.SentinelReplicasAsync(ServiceName)).Length < 2 || (await server.SentinelSentinelsAsync(ServiceName)).Length < 2)
                {
                    return false;
                }
            }
            catch (RedisException)
            {
                return false;
            }
        }

        return true;
    }

    private static Task<ConnectionMultiplexer> ConnectSentinelAsync(int port)
    {
        var options = new ConfigurationOptions { CommandMap = CommandMap.Sentinel, AbortOnConnectFail = true, ConnectTimeout = 2000 };
        options.EndPoints.Add("127.0.0.1", port);
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sentinel in _sentinels)
        {
            await sentinel.DisposeAsync();
        }

        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }
    }
}
