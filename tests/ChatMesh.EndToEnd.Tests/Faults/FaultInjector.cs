using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.EndToEnd.Tests.Faults;

/// <summary>
/// Kills processes of the running AppHost with SIGKILL (no graceful stop) and brings them back with Aspire's own
/// <c>resource-start</c> command on the instance's resource id, checking the command's result. Processes are found
/// through /proc: a service replica by its own <c>ASPNETCORE_URLS</c> (unique per replica and per AppHost), Redis
/// and RabbitMQ by the state directory this AppHost gave them as working directory, so nothing of another run is touched.
/// </summary>
public sealed class FaultInjector(DistributedApplication app, Topology topology)
{
    private static readonly TimeSpan RestartTimeout = TimeSpan.FromMinutes(2);

    /// <summary>SIGKILLs replica <paramref name="index"/> of <paramref name="resource"/>, then starts it again; returns its id.</summary>
    public async Task<string> KillReplicaAsync(string resource, int index, CancellationToken cancel)
    {
        var replicas = topology.Of(resource).Where(instance => instance.Ready).ToList();
        if (replicas.Count <= index)
        {
            throw new InvalidOperationException($"{resource} has {replicas.Count} ready instances; cannot kill #{index}.");
        }

        var victim = replicas[index];
        var marker = $"ASPNETCORE_URLS={victim.Urls}";
        var killed = Kill(pid => Environ(pid).Contains(marker, StringComparer.Ordinal));
        await RestartAsync(victim.ResourceId, killed, cancel);
        return victim.ResourceId;
    }

    /// <summary>SIGKILLs redis-server, then starts it on the same data directory (it reloads the AOF).</summary>
    public Task KillRedisAsync(CancellationToken cancel) =>
        KillServerAsync("redis", (pid, directory) => Comm(pid) == "redis-server" && CommandLine(pid).Contains(Path.Combine(directory, "redis.conf"), StringComparer.Ordinal), cancel);

    /// <summary>SIGKILLs the RabbitMQ node (the Erlang VM and its helpers), then starts it on the same data.</summary>
    public Task KillRabbitMQAsync(CancellationToken cancel) =>
        KillServerAsync("messaging", (pid, directory) => Environ(pid).Contains($"CHATMESH_STATE_DIR={directory}", StringComparer.Ordinal)
            && Environ(pid).Any(variable => variable.StartsWith("RABBITMQ_NODENAME=", StringComparison.Ordinal)), cancel);

    /// <summary>Redis changes its working directory to its data folder, so servers are matched on their arguments or environment.</summary>
    private async Task KillServerAsync(string resource, Func<int, string, bool> isServer, CancellationToken cancel)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var directory = model.Resources.OfType<ExecutableResource>().Single(candidate => candidate.Name == resource).WorkingDirectory;
        var instance = topology.Of(resource).Single();
        var killed = Kill(pid => isServer(pid, directory));
        await RestartAsync(instance.ResourceId, killed, cancel);
    }

    private async Task RestartAsync(string resourceId, IReadOnlyList<int> killed, CancellationToken cancel)
    {
        if (killed.Count == 0)
        {
            throw new InvalidOperationException($"No process of {resourceId} was found to kill.");
        }

        await topology.WaitAsync(resourceId, instance => instance.State != KnownResourceStates.Running, TimeSpan.FromSeconds(30), "stopped after SIGKILL");
        var started = await app.ResourceCommands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, cancel);
        if (!started.Success)
        {
            throw new InvalidOperationException($"resource-start {resourceId} failed: {started.Message}");
        }

        await topology.WaitAsync(resourceId, instance => instance.Ready, RestartTimeout, "running and healthy again");
    }

    /// <summary>SIGKILLs every process of this user that matches; returns their ids.</summary>
    private static List<int> Kill(Func<int, bool> match)
    {
        var self = Environment.ProcessId;
        var victims = Directory.EnumerateDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), out var pid) ? pid : 0)
            .Where(pid => pid > 1 && pid != self && match(pid))
            .ToList();
        foreach (var pid in victims)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(); // SIGKILL on Unix: no graceful shutdown.
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        return victims;
    }

    private static string[] Environ(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
