using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>How RabbitMQ runs in local mode (configuration key <c>ChatMesh:Infrastructure:RabbitMQ</c>).</summary>
public enum RabbitMQTopology
{
    /// <summary>One <c>rabbitmq-server</c> node.</summary>
    Single,

    /// <summary>Three <c>rabbitmq-server</c> nodes formed into one cluster; services use quorum queues.</summary>
    Cluster,
}

/// <summary>Reads and validates <c>ChatMesh:Infrastructure:RabbitMQ</c>; pure, so it is unit-tested without a machine.</summary>
public static class RabbitMQTopologySelector
{
    public const string Key = "ChatMesh:Infrastructure:RabbitMQ";

    public static RabbitMQTopology Select(string? configured, InfrastructureMode messagingMode)
    {
        var topology = RabbitMQTopology.Single;
        if (!string.IsNullOrWhiteSpace(configured) && (!Enum.TryParse(configured, ignoreCase: true, out topology) || !Enum.IsDefined(topology)))
        {
            throw new InvalidOperationException(
                $"{Key} '{configured}' is not one of {string.Join(", ", Enum.GetNames<RabbitMQTopology>())}.");
        }

        return topology == RabbitMQTopology.Cluster && messagingMode != InfrastructureMode.Local
            ? throw new InvalidOperationException(
                $"{Key} is Cluster, but messaging runs in {messagingMode} mode: the AppHost starts a cluster only in Local mode " +
                "(set ChatMesh:Infrastructure:Mode=Local). To use an existing cluster, list its nodes in ConnectionStrings:messaging " +
                "(docs/deployment.md).")
            : topology;
    }
}

/// <summary>One node of the local cluster: its Aspire resource name, Erlang node name and AMQP port.</summary>
public sealed record RabbitMQClusterNode(string ResourceName, string NodeName, int AmqpPort);

/// <summary>
/// The local RabbitMQ cluster as one connection string: a comma-separated AMQP URI per node, which services read as
/// the cluster's host list. It has no process of its own; its nodes are the <c>messaging-1..3</c> executables.
/// </summary>
public sealed class LocalRabbitMQClusterResource(string name, IReadOnlyList<RabbitMQClusterNode> nodes, string userName, ParameterResource password)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    public IReadOnlyList<RabbitMQClusterNode> Nodes { get; } = nodes;

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            for (var i = 0; i < Nodes.Count; i++)
            {
                builder.AppendLiteral(i == 0 ? "amqp://" : ",amqp://");
                builder.AppendLiteral(userName + ":");
                builder.AppendFormatted(password);
                builder.AppendLiteral(string.Create(CultureInfo.InvariantCulture, $"@127.0.0.1:{Nodes[i].AmqpPort}"));
            }

            return builder.Build();
        }
    }
}

/// <summary>
/// Three <c>rabbitmq-server</c> nodes on free loopback ports, sharing the AppHost's epmd and one Erlang cookie, formed
/// into one cluster by classic-config peer discovery. On a fresh state slot nodes 2 and 3 start once node 1 answers,
/// so they join it rather than each forming a cluster of its own; on kept data all three start together (a node
/// restarted on its data waits for the peers it last saw).
/// </summary>
internal static class LocalRabbitMQCluster
{
    public const int NodeCount = 3;
    private const string UserName = "chatmesh";

    public static IResourceBuilder<IResourceWithConnectionString> Add(
        IDistributedApplicationBuilder builder, StateDirectory state, string name, string command, IResourceBuilder<ExecutableResource> epmd, int epmdPort)
    {
        var secret = state.Secret("rabbitmq");
        var home = state.Sub("rabbitmq-cluster-home");
        // Erlang reads the cookie from $HOME; every node and the health check's rabbitmqctl share this one.
        state.WritePrivateFile(Path.Combine(home, ".erlang.cookie"), state.Secret("rabbitmq-cookie"));
        var pluginsFile = Path.Combine(state.Path, "enabled_plugins");
        File.WriteAllText(pluginsFile, "[].\n");
        var envFile = Path.Combine(state.Path, "rabbitmq-env.conf");

        var ports = FreePorts.Take(2 * NodeCount);
        var ctlPorts = FreePorts.TakeRange(RabbitMQCtlPorts.Count);
        var nodes = Enumerable.Range(1, NodeCount)
            .Select(i => new RabbitMQClusterNode($"{name}-{i}", string.Create(CultureInfo.InvariantCulture, $"chatmesh-{state.Slot}-{i}@localhost"), ports[i - 1]))
            .ToList();
        var password = builder.AddParameter($"{name}-password", secret, secret: true);
        var cluster = new LocalRabbitMQClusterResource(name, nodes, UserName, password.Resource);
        var fresh = !Directory.Exists(Path.Combine(state.Path, $"{name}-1-data", nodes[0].NodeName));

        IResourceBuilder<ExecutableResource>? first = null;
        for (var i = 0; i < NodeCount; i++)
        {
            var node = nodes[i];
            var configBase = Path.Combine(state.Path, node.ResourceName);
            state.WritePrivateFile(configBase + ".conf", string.Join('\n', [
                $"listeners.tcp.1 = 127.0.0.1:{node.AmqpPort}",
                $"default_user = {UserName}",
                $"default_pass = {secret}",
                "log.console = true",
                "log.console.level = warning",
                "log.file.level = info",
                "cluster_formation.peer_discovery_backend = classic_config",
                .. nodes.Select((peer, index) => $"cluster_formation.classic_config.nodes.{index + 1} = {peer.NodeName}"),
                ""]));
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"{node.ResourceName}-probe", _ => new TcpProbeHealthCheck(node.AmqpPort, TcpProbeHealthCheck.AmqpHeader, "RabbitMQ"), failureStatus: null, tags: null));
            var resource = builder.AddExecutable(node.ResourceName, command, state.Path)
                .WithEnvironment("RABBITMQ_NODENAME", node.NodeName)
                .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
                .WithEnvironment("RABBITMQ_NODE_PORT", node.AmqpPort.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("RABBITMQ_DIST_PORT", ports[NodeCount + i].ToString(CultureInfo.InvariantCulture))
                .WithRabbitMQCtlPorts(ctlPorts)
                // Inter-node traffic on loopback only (the distribution listener binds every interface otherwise).
                .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}")
                .WithEnvironment("ERL_EPMD_PORT", epmdPort.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("ERL_EPMD_ADDRESS", "127.0.0.1")
                .WithEnvironment("RABBITMQ_MNESIA_BASE", state.Sub($"{node.ResourceName}-data"))
                .WithEnvironment("RABBITMQ_LOG_BASE", state.Sub($"{node.ResourceName}-log"))
                .WithEnvironment("RABBITMQ_CONFIG_FILE", configBase)
                .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", pluginsFile)
                .WithEnvironment("RABBITMQ_CONF_ENV_FILE", envFile)
                .WithEnvironment("HOME", home)
                .WithEnvironment("CHATMESH_STATE_DIR", state.Path)
                .WithRunMarker()
                .WithHealthCheck($"{node.ResourceName}-probe")
                .WithParentRelationship(cluster)
                .WaitFor(epmd);
            if (first is null)
            {
                first = resource;
            }
            else if (fresh)
            {
                resource.WaitFor(first);
            }
        }

        var rabbitmqctl = Path.Combine(Path.GetDirectoryName(command)!, "rabbitmqctl");
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"{name}-cluster", _ => new RabbitMQClusterHealthCheck(rabbitmqctl, nodes, home, envFile, epmdPort, ctlPorts), failureStatus: null, tags: null));
        return builder.CreateResourceBuilder<IResourceWithConnectionString>(
            builder.AddResource(cluster)
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = "RabbitMQCluster",
                    State = KnownResourceStates.Starting,
                    Properties = [new("nodes", string.Join(", ", nodes.Select(node => node.NodeName)))],
                })
                .OnInitializeResource(async (resource, initialize, cancel) =>
                {
                    // Running (so its health check runs) once every node process runs; healthy once all are members.
                    foreach (var node in resource.Nodes)
                    {
                        await initialize.Notifications.WaitForResourceAsync(node.ResourceName, KnownResourceStates.Running, cancel).ConfigureAwait(false);
                    }

                    await initialize.Notifications.PublishUpdateAsync(resource, snapshot => snapshot with
                    {
                        State = KnownResourceStates.Running,
                        StartTimeStamp = DateTime.UtcNow,
                    }).ConfigureAwait(false);
                })
                .WithHealthCheck($"{name}-cluster")
                .Resource);
    }
}
