using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChatMesh.AppHost.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.EndToEnd.Tests.Failover;

/// <summary>One queue as <c>rabbitmqctl list_queues</c> shows it; <see cref="Node"/> is the node it lives on (a quorum queue's leader).</summary>
public sealed record ClusterQueue(string Name, string Type, bool Durable, bool Exclusive, IReadOnlyList<string> Members, IReadOnlyList<string> Online, string Node)
{
    public override string ToString() =>
        $"{Name} {Type}{(Durable ? " durable" : "")}{(Exclusive ? " exclusive" : "")} on {Node} members [{string.Join(", ", Members)}] online [{string.Join(", ", Online)}]";
}

/// <summary>
/// Asks the local RabbitMQ cluster of a running AppHost what it is: <c>rabbitmqctl</c> against a node that is up, with
/// that node's own environment (epmd port, HOME with the Erlang cookie), found through /proc by its node name.
/// </summary>
public sealed class RabbitClusterCtl(DistributedApplication app)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    public IReadOnlyList<RabbitMQClusterNode> Nodes { get; } = app.Services.GetRequiredService<DistributedApplicationModel>().Resources
        .OfType<LocalRabbitMQClusterResource>().Single().Nodes;

    /// <summary>The cluster's running members, as the first node that answers sees them.</summary>
    public async Task<IReadOnlyList<string>> RunningNodesAsync(CancellationToken cancel)
    {
        using var status = Json(await RunAsync(null, ["cluster_status", "--formatter", "json"], cancel));
        return [.. status.RootElement.GetProperty("running_nodes").EnumerateArray().Select(node => node.GetString()!).Order(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<ClusterQueue>> QueuesAsync(CancellationToken cancel)
    {
        using var queues = Json(await RunAsync(null, ["list_queues", "name", "type", "durable", "exclusive", "members", "online", "leader", "--formatter", "json"], cancel));
        // A classic queue lives on one node: the node that lists it among its --local queues.
        var home = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in Nodes.Where(node => NodeEnvironment(node.NodeName) is not null))
        {
            try
            {
                using var local = Json(await RunAsync(node, ["list_queues", "--local", "name", "--formatter", "json"], cancel));
                foreach (var queue in local.RootElement.EnumerateArray())
                {
                    home.TryAdd(queue.GetProperty("name").GetString()!, node.NodeName);
                }
            }
            catch (InvalidOperationException)
            {
                // The node went down between the two calls: its queues have no home now.
            }
        }

        static IReadOnlyList<string> Names(JsonElement element) => element.ValueKind == JsonValueKind.Array
            ? [.. element.EnumerateArray().Select(item => item.GetString()!).Order(StringComparer.Ordinal)]
            : [];
        return [.. queues.RootElement.EnumerateArray().Select(queue =>
        {
            var name = queue.GetProperty("name").GetString()!;
            var type = queue.GetProperty("type").GetString()!;
            var leader = queue.TryGetProperty("leader", out var element) && element.ValueKind == JsonValueKind.String ? element.GetString()! : "";
            return new ClusterQueue(
                name,
                type,
                queue.GetProperty("durable").ValueKind == JsonValueKind.True,
                queue.GetProperty("exclusive").ValueKind == JsonValueKind.True,
                Names(queue.GetProperty("members")),
                Names(queue.GetProperty("online")),
                type == "quorum" ? leader : home.GetValueOrDefault(name, ""));
        })];
    }

    /// <summary>How many client connections each node holds (a connection's server port is its node's AMQP port).</summary>
    public async Task<IReadOnlyDictionary<RabbitMQClusterNode, int>> ConnectionsPerNodeAsync(CancellationToken cancel)
    {
        using var connections = Json(await RunAsync(null, ["list_connections", "port", "--formatter", "json"], cancel));
        var ports = connections.RootElement.EnumerateArray().Select(connection => connection.GetProperty("port").GetInt32()).ToList();
        return Nodes.ToDictionary(node => node, node => ports.Count(port => port == node.AmqpPort));
    }

    private static JsonDocument Json(string output) => JsonDocument.Parse(output.Length > 0 ? output : "[]");

    /// <summary>Runs rabbitmqctl against <paramref name="target"/>, or against the first node that answers.</summary>
    private async Task<string> RunAsync(RabbitMQClusterNode? target, string[] arguments, CancellationToken cancel)
    {
        var errors = new List<string>();
        foreach (var node in target is null ? Nodes : [target])
        {
            var environment = NodeEnvironment(node.NodeName);
            if (environment is null)
            {
                errors.Add($"{node.NodeName}: not running");
                continue;
            }

            var start = new ProcessStartInfo("/usr/lib/rabbitmq/bin/rabbitmqctl", ["-n", node.NodeName, "-q", .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            using var ctl = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start");
            var output = ctl.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = ctl.StandardError.ReadToEndAsync(CancellationToken.None);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            bound.CancelAfter(CommandTimeout);
            await ctl.WaitForExitAsync(bound.Token);
            if (ctl.ExitCode == 0)
            {
                return await output;
            }

            var message = await error;
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{node.NodeName}: exit {ctl.ExitCode} {message}"));
        }

        throw new InvalidOperationException($"no node answered rabbitmqctl {string.Join(' ', arguments)}: {string.Join("; ", errors)}");
    }

    /// <summary>The node's epmd, config and HOME (its Erlang cookie) from its Erlang VM's environment; null when it is not running.</summary>
    private static List<(string Name, string Value)>? NodeEnvironment(string nodeName)
    {
        foreach (var path in Directory.EnumerateDirectories("/proc"))
        {
            string[] environ;
            try
            {
                if (File.ReadAllText(Path.Combine(path, "comm")).Trim() != "beam.smp")
                {
                    continue;
                }

                environ = File.ReadAllText(Path.Combine(path, "environ")).Split('\0');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (environ.Contains($"RABBITMQ_NODENAME={nodeName}", StringComparer.Ordinal))
            {
                return [.. environ
                    .Where(variable => variable.StartsWith("ERL_EPMD_", StringComparison.Ordinal) || variable.StartsWith("RABBITMQ_CONF_ENV_FILE=", StringComparison.Ordinal) || variable.StartsWith("HOME=", StringComparison.Ordinal))
                    .Select(variable => variable.Split('=', 2))
                    .Select(pair => (pair[0], pair[1]))];
            }
        }

        return null;
    }
}
