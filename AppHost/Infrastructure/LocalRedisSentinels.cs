using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatMesh.AppHost.Infrastructure;

internal static partial class InfrastructureExtensions
{
    /// <summary>How long the Sentinels wait before they call an unanswering primary down and fail over.</summary>
    public const int SentinelDownAfterMs = 2000;

    private const string Shell = "/bin/sh";

    private sealed partial class LocalInfrastructure
    {
        /// <summary>
        /// <c>ChatMesh:Infrastructure:Redis=Sentinel</c>: a primary (the <paramref name="name"/> resource),
        /// <see cref="LocalRedisSentinelResource.ReplicaCount"/> replicas (<c>redis-replica-1..</c>) and three Sentinels
        /// (<c>redis-sentinel-1..3</c>, quorum 2), each its own resource on free loopback ports, all with the same
        /// password. Two replicas so that after one failover the new primary still has a replica to confirm writes
        /// (<c>WAIT 1</c>). The primary's health waits until every Sentinel agrees on a quorum and knows every replica
        /// in sync, so services start only once a failover could happen.
        /// </summary>
        public IResourceBuilder<IResourceWithConnectionString> AddRedisWithSentinels(string name)
        {
            var command = LocalBinaries.ResolveRedisServer(_builder.Configuration["ChatMesh:Infrastructure:RedisServer"]);
            var sentinelCommand = LocalBinaries.ResolveRedisSentinel(_builder.Configuration["ChatMesh:Infrastructure:RedisSentinel"]);
            const int sentinels = 3;
            var ports = FreePorts.Take(1 + LocalRedisSentinelResource.ReplicaCount + sentinels);
            var (primaryPort, replicaPorts, sentinelPorts) = (ports[0], ports[1..^sentinels], ports[^sentinels..]);
            var secret = State.Secret("redis");
            var primaryConfig = WriteRedisConfig("redis", primaryPort, secret, $"masterauth {secret}");
            var start = WriteStartScript(command, sentinelPorts);

            var password = _builder.AddParameter($"{name}-password", secret, secret: true);
            var resource = new LocalRedisSentinelResource(name, Shell, State.Path, primaryPort, replicaPorts, sentinelPorts, password.Resource);
            AddProbe(name, primaryPort, TcpProbeHealthCheck.RedisPing, "Redis");
            _builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"{name}-sentinels", _ => new SentinelHealthCheck(sentinelPorts, LocalRedisSentinelResource.ServiceName, replicaPorts.Length, secret),
                failureStatus: null, tags: null));

            for (var i = 0; i < replicaPorts.Length; i++)
            {
                // Every server gets masterauth: Sentinel may make any of them a replica of another after a failover.
                var replica = $"{name}-replica-{i + 1}";
                var replicaConfig = WriteRedisConfig(replica, replicaPorts[i], secret, $"replicaof 127.0.0.1 {primaryPort}", $"masterauth {secret}");
                AddServer(replica, Shell, replicaPorts[i], "Redis replica", start, replicaConfig);
            }

            for (var i = 0; i < sentinelPorts.Length; i++)
            {
                var sentinel = $"{name}-sentinel-{i + 1}";
                // Sentinel rewrites its own file (what it learns about replicas and peers): one file each, kept private.
                var sentinelConfig = Path.Combine(State.Path, sentinel + ".conf");
                State.WritePrivateFile(sentinelConfig, string.Join('\n',
                    $"port {sentinelPorts[i]}",
                    "bind 127.0.0.1",
                    "daemonize no",
                    $"dir {State.Sub(sentinel)}",
                    $"requirepass {secret}",
                    $"sentinel monitor {LocalRedisSentinelResource.ServiceName} 127.0.0.1 {primaryPort} 2",
                    $"sentinel auth-pass {LocalRedisSentinelResource.ServiceName} {secret}",
                    $"sentinel down-after-milliseconds {LocalRedisSentinelResource.ServiceName} {SentinelDownAfterMs}",
                    $"sentinel failover-timeout {LocalRedisSentinelResource.ServiceName} 10000",
                    $"sentinel parallel-syncs {LocalRedisSentinelResource.ServiceName} 1",
                    ""));
                AddServer(sentinel, sentinelCommand, sentinelPorts[i], "Redis Sentinel", sentinelConfig);
            }

            return _builder.CreateResourceBuilder<IResourceWithConnectionString>(
                _builder.AddResource(resource)
                    .WithArgs(start, primaryConfig)
                    .WithRunMarker()
                    .WithEnvironment("CHATMESH_STATE_DIR", State.Path)
                    .WithHealthCheck($"{name}-probe")
                    .WithHealthCheck($"{name}-sentinels")
                    .Resource);
        }

        private void AddServer(string name, string command, int port, string serverName, params string[] args)
        {
            AddProbe(name, port, TcpProbeHealthCheck.RedisPing, serverName);
            _builder.AddExecutable(name, command, State.Path, args)
                .WithRunMarker()
                .WithEnvironment("CHATMESH_STATE_DIR", State.Path)
                .WithHealthCheck($"{name}-probe");
        }

        /// <summary>
        /// The start of every Redis server of the topology (<c>sh redis-start.sh config</c>): it asks the Sentinels for
        /// the current primary and, when that is another server, starts as its replica. A primary killed and started
        /// again (its file still says primary, its data may hold writes no replica confirmed) so never serves as a second
        /// primary until the Sentinels notice; it resyncs from the promoted one. No Sentinel answering (the first start):
        /// the file's role. Then <c>exec</c>: the process is redis-server itself.
        /// </summary>
        private string WriteStartScript(string redisServer, IReadOnlyList<int> sentinelPorts)
        {
            var redisCli = LocalBinaries.FindOnPath("redis-cli") ?? throw new MissingBinaryException("redis-cli", "redis-tools", "searched PATH");
            var script = Path.Combine(State.Path, "redis-start.sh");
            State.WritePrivateFile(script, string.Join('\n',
                "conf=$1",
                "self=$(awk '$1==\"port\"{print $2}' \"$conf\")",
                "primary=",
                $"for port in {string.Join(' ', sentinelPorts)}; do",
                $"  primary=$(REDISCLI_AUTH=\"$(cat '{Path.Combine(State.Path, "redis.secret")}')\" timeout 2 '{redisCli}' -p \"$port\" --raw SENTINEL GET-MASTER-ADDR-BY-NAME {LocalRedisSentinelResource.ServiceName} 2>/dev/null | sed -n 2p)",
                "  [ -n \"$primary\" ] && break",
                "done",
                $"if [ -n \"$primary\" ] && [ \"$primary\" != \"$self\" ]; then exec '{redisServer}' \"$conf\" --replicaof 127.0.0.1 \"$primary\"; fi",
                $"exec '{redisServer}' \"$conf\"",
                ""));
            return script;
        }

        /// <summary>A server's config (port, loopback only, AOF every second, password), kept in a 0600 file so ps does not show the password.</summary>
        private string WriteRedisConfig(string server, int port, string secret, params string[] extra)
        {
            var configFile = Path.Combine(State.Path, server + ".conf");
            State.WritePrivateFile(configFile, string.Join('\n', new[]
            {
                string.Create(CultureInfo.InvariantCulture, $"port {port}"),
                "bind 127.0.0.1",
                "protected-mode yes",
                "daemonize no",
                $"dir {State.Sub(server)}",
                "appendonly yes",
                "appendfsync everysec",
                $"requirepass {secret}",
            }.Concat(extra).Append("")));
            return configFile;
        }
    }
}
