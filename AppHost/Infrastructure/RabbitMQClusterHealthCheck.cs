using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>
/// Healthy only while every node of the local cluster is a running member: asks any node that answers
/// (<c>rabbitmqctl cluster_status</c>) for the cluster's running nodes, so a node that booted on its own instead of
/// joining, or one that is down, makes the cluster unhealthy.
/// </summary>
internal sealed class RabbitMQClusterHealthCheck(string rabbitmqctl, IReadOnlyList<RabbitMQClusterNode> nodes, string home, string envFile, int epmdPort, int ctlPorts)
    : IHealthCheck
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string? lastError = null;
        foreach (var node in nodes)
        {
            var (running, error) = await RunningNodesAsync(node.NodeName, cancellationToken).ConfigureAwait(false);
            if (running is null)
            {
                lastError = $"{node.NodeName}: {error}";
                continue;
            }

            var missing = nodes.Select(member => member.NodeName).Where(member => !running.Contains(member)).ToList();
            return missing.Count == 0
                ? HealthCheckResult.Healthy($"cluster of {nodes.Count} running nodes: {string.Join(", ", running)}")
                : HealthCheckResult.Unhealthy($"{node.NodeName} reports running nodes {string.Join(", ", running)}; not running members: {string.Join(", ", missing)}");
        }

        return HealthCheckResult.Unhealthy($"no cluster node answers rabbitmqctl cluster_status yet ({lastError})");
    }

    private async Task<(IReadOnlyList<string>? Running, string? Error)> RunningNodesAsync(string nodeName, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(rabbitmqctl)
        {
            ArgumentList = { "-n", nodeName, "-q", "cluster_status", "--formatter", "json" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["HOME"] = home;
        start.Environment["RABBITMQ_CONF_ENV_FILE"] = envFile;
        start.Environment["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        start.Environment[RabbitMQCtlPorts.Min] = ctlPorts.ToString(CultureInfo.InvariantCulture);
        start.Environment[RabbitMQCtlPorts.Max] = (ctlPorts + RabbitMQCtlPorts.Count - 1).ToString(CultureInfo.InvariantCulture);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {rabbitmqctl}");
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                return (null, $"exit {process.ExitCode}: {Shorten(await error.ConfigureAwait(false))}");
            }

            using var status = JsonDocument.Parse(await output.ConfigureAwait(false));
            return ([.. status.RootElement.GetProperty("running_nodes").EnumerateArray().Select(element => element.GetString() ?? "")], null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return (null, $"no answer within {CommandTimeout.TotalSeconds} s");
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (null, exception.Message);
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text.Trim() : text[..300].Trim();
}
