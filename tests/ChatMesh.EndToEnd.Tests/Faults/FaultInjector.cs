using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Testing.Faults;

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
        var replicas = topology.ReadyAddresses(resource);
        if (replicas.Count <= index)
        {
            throw new InvalidOperationException($"{resource} has {replicas.Count} running instances; cannot kill #{index}.");
        }

        var marker = $"ASPNETCORE_URLS={topology.UrlsOf(replicas[index])}";
        var killed = Kill(pid => Environ(pid).Contains(marker, StringComparer.Ordinal));
        if (killed.Count == 0)
        {
            throw new InvalidOperationException($"No process of {resource} at {replicas[index]} was found to kill.");
        }

        // The instance Aspire now shows as not running is the one killed: start it by its own resource id.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        Instance? victim;
        while ((victim = topology.Of(resource).FirstOrDefault(instance => instance.State != KnownResourceStates.Running)) is null)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No instance of {resource} left the running state after SIGKILL of {string.Join(',', killed)}.");
            }

            await Task.Delay(100, cancel);
        }

        await StartAgainAsync(victim.ResourceId, cancel);
        return victim.ResourceId;
    }

    /// <summary>SIGKILLs redis-server, then starts it on the same data directory (it reloads the AOF).</summary>
    public Task KillRedisAsync(CancellationToken cancel)
    {
        var port = app.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ChatMesh.AppHost.Infrastructure.LocalRedisResource>().Single().Port;
        return KillServerAsync("redis", (pid, _) => IsRedisServerOn(pid, port), cancel);
    }

    /// <summary>SIGKILLs the redis-server on <paramref name="port"/> and leaves it down (a failover: Sentinel promotes a replica).</summary>
    public static IReadOnlyList<int> KillRedisServer(int port) => Kill(pid => IsRedisServerOn(pid, port));


    // Redis rewrites its command line to its process title, "redis-server 127.0.0.1:<port>".
    private static bool IsRedisServerOn(int pid, int port) =>
        Comm(pid) == "redis-server" && string.Join(' ', CommandLine(pid)).Contains($"127.0.0.1:{port}", StringComparison.Ordinal);

    /// <summary>SIGKILLs the RabbitMQ node (the Erlang VM and its helpers), then starts it on the same data.</summary>
    public Task KillRabbitMQAsync(CancellationToken cancel) => KillServerAsync("messaging", IsRabbitMQ, cancel);

    /// <summary>
    /// SIGKILLs one node of the local RabbitMQ cluster (resource <paramref name="resource"/>, e.g. <c>messaging-1</c>:
    /// its Erlang VM and helpers, matched on its node name) and leaves it down; <see cref="StartAgainAsync"/> brings it back.
    /// </summary>
    public IReadOnlyList<int> KillRabbitMQNode(string resource, string nodeName)
    {
        var directory = WorkingDirectory(resource);
        var killed = Kill(pid => IsRabbitMQ(pid, directory) && Environ(pid).Contains($"RABBITMQ_NODENAME={nodeName}", StringComparer.Ordinal));
        return killed.Count > 0 ? killed : throw new InvalidOperationException($"No process of RabbitMQ node {nodeName} ({resource}) was found to kill.");
    }

    private static bool IsRabbitMQ(int pid, string directory) =>
        Environ(pid).Contains($"CHATMESH_STATE_DIR={directory}", StringComparer.Ordinal)
        && Environ(pid).Any(variable => variable.StartsWith("RABBITMQ_NODENAME=", StringComparison.Ordinal));

    /// <summary>
    /// Slow RabbitMQ: freezes the node (the Erlang VM and its helpers) with SIGSTOP for <paramref name="pause"/>, then
    /// SIGCONT. Its sockets stay open and accept nothing: every publish, confirm and delivery waits, as behind a broker
    /// that has stopped answering. The node is resumed even if the case is cancelled.
    /// </summary>
    public async Task PauseRabbitMQAsync(TimeSpan pause, CancellationToken cancel)
    {
        var directory = WorkingDirectory("messaging");
        var node = Processes(pid => IsRabbitMQ(pid, directory));
        if (node.Count == 0)
        {
            throw new InvalidOperationException("No process of messaging was found to pause.");
        }

        await SignalAsync("-STOP", node);
        try
        {
            await Task.Delay(pause, cancel);
        }
        finally
        {
            await SignalAsync("-CONT", node);
        }
    }

    /// <summary>
    /// The broker refusing connections: <c>rabbitmqctl stop_app</c> (the node stays up, its AMQP listener closes, every
    /// connection is closed and new ones are refused) for <paramref name="outage"/>, then <c>start_app</c>, even if
    /// the case is cancelled. rabbitmqctl runs with the node's own environment (node name, ports) and its HOME (the Erlang cookie).
    /// </summary>
    public async Task RefuseRabbitMQConnectionsAsync(TimeSpan outage, CancellationToken cancel)
    {
        var directory = WorkingDirectory("messaging");
        var node = Processes(pid => Comm(pid) == "beam.smp" && IsRabbitMQ(pid, directory)).FirstOrDefault();
        if (node == 0)
        {
            throw new InvalidOperationException("No RabbitMQ node of messaging was found.");
        }

        var environment = Environ(node)
            .Where(variable => variable.StartsWith("RABBITMQ_", StringComparison.Ordinal) || variable.StartsWith("ERL_", StringComparison.Ordinal))
            .Select(variable => variable.Split('=', 2))
            .ToList();
        // The node's Erlang cookie is in the HOME the AppHost gave it (its state directory's rabbitmq-home).
        environment.Add(["HOME", Path.Combine(directory, "rabbitmq-home")]);
        // The sbin wrapper switches to the system rabbitmq user and its cookie; the CLI itself runs as this user.
        async Task RabbitMQCtlAsync(string command)
        {
            var start = new ProcessStartInfo("/usr/lib/rabbitmq/bin/rabbitmqctl", [command]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var variable in environment)
            {
                start.Environment[variable[0]] = variable[1];
            }

            using var ctl = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start");
            var output = ctl.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var errors = ctl.StandardError.ReadToEndAsync(CancellationToken.None);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await ctl.WaitForExitAsync(bound.Token);
            if (ctl.ExitCode != 0)
            {
                throw new InvalidOperationException($"rabbitmqctl {command} exited with {ctl.ExitCode}: {await output} {await errors}");
            }
        }

        await RabbitMQCtlAsync("stop_app");
        try
        {
            await Task.Delay(outage, cancel);
        }
        finally
        {
            await RabbitMQCtlAsync("start_app");
        }
    }

    private static async Task SignalAsync(string signal, IReadOnlyList<int> pids)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, .. pids.Select(pid => pid.ToString(System.Globalization.CultureInfo.InvariantCulture))]))
            ?? throw new InvalidOperationException("kill did not start");
        await kill.WaitForExitAsync(CancellationToken.None);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {string.Join(' ', pids)} exited with {kill.ExitCode}");
        }
    }

    /// <summary>Stops <paramref name="resource"/> with Aspire's <c>resource-stop</c> (a graceful stop), then starts it again.</summary>
    public async Task RestartCleanlyAsync(string resource, CancellationToken cancel)
    {
        var instance = topology.Of(resource).Single();
        var stopped = await app.ResourceCommands.ExecuteCommandAsync(instance.ResourceId, KnownResourceCommands.StopCommand, cancel);
        if (!stopped.Success)
        {
            throw new InvalidOperationException($"resource-stop {instance.ResourceId} failed: {stopped.Message}");
        }

        await StartAgainAsync(instance.ResourceId, cancel);
    }

    /// <summary>Slow Redis: <c>CLIENT PAUSE … WRITE</c> holds every write (each commit script) for <paramref name="pause"/>.</summary>
    public async Task PauseRedisWritesAsync(TimeSpan pause, CancellationToken cancel)
    {
        var connectionString = await app.GetConnectionStringAsync("redis", cancel)
            ?? throw new InvalidOperationException("redis has no connection string");
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(connectionString);
        await redis.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", (long)pause.TotalMilliseconds, "WRITE");
        await Task.Delay(pause, cancel);
    }

    /// <summary>Redis changes its working directory to its data folder, so servers are matched on their arguments or environment.</summary>
    private async Task KillServerAsync(string resource, Func<int, string, bool> isServer, CancellationToken cancel)
    {
        var directory = WorkingDirectory(resource);
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

        await StartAgainAsync(resourceId, cancel);
    }

    /// <summary>Once Aspire shows <paramref name="resourceId"/> stopped, starts it with <c>resource-start</c> and waits until it is healthy.</summary>
    public async Task StartAgainAsync(string resourceId, CancellationToken cancel)
    {
        await topology.WaitAsync(resourceId, instance => instance.State != KnownResourceStates.Running, TimeSpan.FromSeconds(30), "stopped");
        var started = await app.ResourceCommands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, cancel);
        if (!started.Success)
        {
            throw new InvalidOperationException($"resource-start {resourceId} failed: {started.Message}");
        }

        await topology.WaitAsync(resourceId, instance => instance.Ready, RestartTimeout, "running and healthy again");
    }

    private string WorkingDirectory(string resource) => app.Services.GetRequiredService<DistributedApplicationModel>().Resources
        .OfType<ExecutableResource>().Single(candidate => candidate.Name == resource).WorkingDirectory;

    /// <summary>The processes (other than this one) that match.</summary>
    private static List<int> Processes(Func<int, bool> match)
    {
        var self = Environment.ProcessId;
        return [.. Directory.EnumerateDirectories("/proc")
            .Select(path => int.TryParse(Path.GetFileName(path), out var pid) ? pid : 0)
            .Where(pid => pid > 1 && pid != self && match(pid))];
    }

    /// <summary>SIGKILLs every process of this user that matches; returns their ids.</summary>
    private static List<int> Kill(Func<int, bool> match)
    {
        var victims = Processes(match);
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
