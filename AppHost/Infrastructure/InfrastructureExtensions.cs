using Microsoft.Extensions.Hosting;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>Adds <c>redis</c> and <c>messaging</c> in the mode design.md describes: configured, container, or local.</summary>
internal static partial class InfrastructureExtensions
{
    public const string RedisName = "redis";
    public const string MessagingName = "messaging";

    public static (IResourceBuilder<IResourceWithConnectionString> Redis, IResourceBuilder<IResourceWithConnectionString> Messaging)
        AddChatMeshInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var modeText = configuration["ChatMesh:Infrastructure:Mode"];
        var requested = InfrastructureMode.Auto;
        if (!string.IsNullOrWhiteSpace(modeText) && !Enum.TryParse(modeText, ignoreCase: true, out requested))
        {
            throw new InvalidOperationException(
                $"ChatMesh:Infrastructure:Mode '{modeText}' is not one of {string.Join(", ", Enum.GetNames<InfrastructureMode>())}.");
        }

        // Probe the container runtime at most once, and only when a decision needs it.
        var probe = new Lazy<ContainerRuntimeStatus>(() => ContainerRuntimeProbe.Probe(configuration));
        var redisDecision = InfrastructureModeSelector.Select(RedisName, requested, configuration.GetConnectionString(RedisName), () => probe.Value);
        var messagingDecision = InfrastructureModeSelector.Select(MessagingName, requested, configuration.GetConnectionString(MessagingName), () => probe.Value);
        var rabbitTopology = RabbitMQTopologySelector.Select(configuration[RabbitMQTopologySelector.Key], messagingDecision.Mode);

        var redisTopology = RedisTopologies.Select(configuration[RedisTopologies.ConfigurationKey], redisDecision.Mode);
        var local = redisDecision.Mode == InfrastructureMode.Local || messagingDecision.Mode == InfrastructureMode.Local
            ? new LocalInfrastructure(builder)
            : null;

        var redis = redisDecision.Mode switch
        {
            InfrastructureMode.External => builder.AddConnectionString(RedisName),
            InfrastructureMode.Container => builder.CreateResourceBuilder<IResourceWithConnectionString>(builder.AddRedis(RedisName).Resource),
            _ when redisTopology == RedisTopology.Sentinel => local!.AddRedisWithSentinels(RedisName),
            _ => local!.AddRedis(RedisName),
        };
        var messaging = messagingDecision.Mode switch
        {
            InfrastructureMode.External => builder.AddConnectionString(MessagingName),
            InfrastructureMode.Container => builder.CreateResourceBuilder<IResourceWithConnectionString>(builder.AddRabbitMQ(MessagingName).Resource),
            _ when rabbitTopology == RabbitMQTopology.Cluster => local!.AddRabbitMQCluster(MessagingName),
            _ => local!.AddRabbitMQ(MessagingName),
        };

        builder.Services.AddHostedService(services => new InfrastructureDecisionLogger(
            services.GetRequiredService<ILogger<InfrastructureDecisionLogger>>(), [redisDecision, messagingDecision], redisTopology, local?.State.Path));
        return (redis, messaging);
    }

    /// <summary>Logs the chosen modes once the AppHost starts, where the dashboard and console show them.</summary>
    private sealed class InfrastructureDecisionLogger(
        ILogger<InfrastructureDecisionLogger> logger, InfrastructureDecision[] decisions, RedisTopology redisTopology, string? statePath)
        : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var decision in decisions)
            {
                logger.LogInformation("Infrastructure {Resource}: {Mode} mode ({Reason})", decision.Resource, decision.Mode, decision.Reason);
            }

            if (redisTopology == RedisTopology.Sentinel)
            {
                logger.LogInformation("Redis runs as a primary, two replicas and three Sentinels; a write is acknowledged once a replica has it");
            }

            if (statePath is not null)
            {
                logger.LogInformation("Local servers keep their data in {StatePath}", statePath);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Local mode: machine binaries on free loopback ports, data under a locked state slot.</summary>
    private sealed partial class LocalInfrastructure
    {
        private readonly IDistributedApplicationBuilder _builder;

        public LocalInfrastructure(IDistributedApplicationBuilder builder)
        {
            _builder = builder;
            var root = builder.Configuration["ChatMesh:Infrastructure:StateDirectory"];
            State = StateDirectory.Acquire(string.IsNullOrWhiteSpace(root) ? StateDirectory.DefaultRoot() : root);
            builder.Services.AddSingleton(State);
        }

        public StateDirectory State { get; }

        public IResourceBuilder<IResourceWithConnectionString> AddRedis(string name)
        {
            var command = LocalBinaries.ResolveRedisServer(_builder.Configuration["ChatMesh:Infrastructure:RedisServer"]);
            var port = FreePorts.Take(1)[0];
            var secret = State.Secret("redis");
            var configFile = WriteRedisConfig("redis", port, secret);
            var password = _builder.AddParameter($"{name}-password", secret, secret: true);
            var resource = new LocalRedisResource(name, command, State.Path, port, password.Resource);
            AddProbe(name, port, TcpProbeHealthCheck.RedisPing, "Redis");
            return _builder.CreateResourceBuilder<IResourceWithConnectionString>(
                _builder.AddResource(resource)
                    .WithArgs(configFile)
                    .WithRunMarker()
                    .WithEnvironment("CHATMESH_STATE_DIR", State.Path)
                    .WithHealthCheck($"{name}-probe")
                    .Resource);
        }

        public IResourceBuilder<IResourceWithConnectionString> AddRabbitMQ(string name)
        {
            var command = LocalBinaries.ResolveRabbitMQServer(_builder.Configuration["ChatMesh:Infrastructure:RabbitMQServer"]);
            var ports = FreePorts.Take(3);
            var (amqpPort, distributionPort, epmdPort) = (ports[0], ports[1], ports[2]);
            var ctlPorts = FreePorts.TakeRange(RabbitMQCtlPorts.Count);
            const string userName = "chatmesh";
            var secret = State.Secret("rabbitmq");
            var configBase = Path.Combine(State.Path, "rabbitmq");
            State.WritePrivateFile(configBase + ".conf", string.Join('\n',
                $"listeners.tcp.1 = 127.0.0.1:{amqpPort}",
                $"default_user = {userName}",
                $"default_pass = {secret}",
                "log.console = true",
                "log.console.level = warning",
                "log.file.level = info",
                ""));
            var pluginsFile = Path.Combine(State.Path, "enabled_plugins");
            File.WriteAllText(pluginsFile, "[].\n");

            var password = _builder.AddParameter($"{name}-password", secret, secret: true);
            var resource = new LocalRabbitMQResource(name, command, State.Path, amqpPort, userName, password.Resource);
            AddProbe(name, amqpPort, TcpProbeHealthCheck.AmqpHeader, "RabbitMQ");
            var epmd = AddEpmd($"{name}-epmd", epmdPort);
            var nodeName = string.Create(CultureInfo.InvariantCulture, $"chatmesh-{State.Slot}@localhost");
            return _builder.CreateResourceBuilder<IResourceWithConnectionString>(
                _builder.AddResource(resource)
                    .WithEnvironment("RABBITMQ_NODENAME", nodeName)
                    .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
                    .WithEnvironment("RABBITMQ_NODE_PORT", amqpPort.ToString(CultureInfo.InvariantCulture))
                    .WithEnvironment("RABBITMQ_DIST_PORT", distributionPort.ToString(CultureInfo.InvariantCulture))
                    .WithRabbitMQCtlPorts(ctlPorts)
                    .WithEnvironment("ERL_EPMD_PORT", epmdPort.ToString(CultureInfo.InvariantCulture))
                    .WithEnvironment("ERL_EPMD_ADDRESS", "127.0.0.1")
                    .WithEnvironment("RABBITMQ_MNESIA_BASE", State.Sub("rabbitmq-data"))
                    .WithEnvironment("RABBITMQ_LOG_BASE", State.Sub("rabbitmq-log"))
                    .WithEnvironment("RABBITMQ_CONFIG_FILE", configBase)
                    .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", pluginsFile)
                    .WithEnvironment("RABBITMQ_CONF_ENV_FILE", Path.Combine(State.Path, "rabbitmq-env.conf"))
                    .WithEnvironment("HOME", State.Sub("rabbitmq-home"))
                    .WithEnvironment("CHATMESH_STATE_DIR", State.Path)
                    .WithRunMarker()
                    .WithHealthCheck($"{name}-probe")
                    .WaitFor(epmd)
                    .Resource);
        }

        /// <summary>Three clustered nodes sharing one epmd (<see cref="LocalRabbitMQCluster"/>).</summary>
        public IResourceBuilder<IResourceWithConnectionString> AddRabbitMQCluster(string name)
        {
            var command = LocalBinaries.ResolveRabbitMQServer(_builder.Configuration["ChatMesh:Infrastructure:RabbitMQServer"]);
            var epmdPort = FreePorts.Take(1)[0];
            return LocalRabbitMQCluster.Add(_builder, State, name, command, AddEpmd($"{name}-epmd", epmdPort), epmdPort);
        }

        /// <summary>
        /// Erlang's port mapper, run in the foreground as its own resource: otherwise the broker spawns an epmd daemon
        /// that outlives the AppHost. RabbitMQ finds it through ERL_EPMD_PORT and never starts its own.
        /// </summary>
        private IResourceBuilder<ExecutableResource> AddEpmd(string name, int port)
        {
            var command = LocalBinaries.FindOnPath("epmd")
                ?? throw new MissingBinaryException("epmd", "erlang-base", "searched PATH");
            AddProbe(name, port, TcpProbeHealthCheck.EpmdNames, "epmd");
            return _builder.AddExecutable(name, command, State.Path, "-port", port.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1")
                .WithRunMarker()
                .WithHealthCheck($"{name}-probe");
        }

        private void AddProbe(string name, int port, byte[] greeting, string serverName) =>
            _builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                $"{name}-probe", _ => new TcpProbeHealthCheck(port, greeting, serverName), failureStatus: null, tags: null));
    }

    /// <summary>
    /// The distribution ports a <c>rabbitmqctl</c> run with the node's environment may listen on (from
    /// <paramref name="first"/>, <see cref="RabbitMQCtlPorts.Count"/> of them): its default, the node's distribution
    /// port + 10000 to + 10010, can fall inside the ephemeral range or past 65535.
    /// </summary>
    public static IResourceBuilder<T> WithRabbitMQCtlPorts<T>(this IResourceBuilder<T> resource, int first) where T : IResourceWithEnvironment =>
        resource.WithEnvironment(RabbitMQCtlPorts.Min, first.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment(RabbitMQCtlPorts.Max, (first + RabbitMQCtlPorts.Count - 1).ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Tags a process with the CHATMESH_RUN_ID that ./chatmesh set, so the script can end anything that outlives
    /// the AppHost (an epmd daemon, a server orphaned by a killed AppHost) without touching other runs.
    /// </summary>
    public static IResourceBuilder<T> WithRunMarker<T>(this IResourceBuilder<T> resource) where T : IResourceWithEnvironment
    {
        var runId = Environment.GetEnvironmentVariable("CHATMESH_RUN_ID");
        return string.IsNullOrEmpty(runId) ? resource : resource.WithEnvironment("CHATMESH_RUN_ID", runId);
    }
}
