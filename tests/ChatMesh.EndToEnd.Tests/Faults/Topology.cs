using Microsoft.Extensions.Diagnostics.HealthChecks;

using System.Collections.Concurrent;

namespace ChatMesh.Testing.Faults;

/// <summary>One instance of a resource as Aspire's snapshot shows it now.</summary>
public sealed record Instance(string Resource, string ResourceId, string? State, HealthStatus? Health, string? Urls)
{
    public bool Ready => State == KnownResourceStates.Running && Health == HealthStatus.Healthy;

    /// <summary>The instance's own address (its <c>ASPNETCORE_URLS</c>): no Aspire proxy between the client and it.</summary>
    public Uri? Address => Urls is null ? null : new Uri(Urls.Split(';')[0]);
}

/// <summary>
/// Keeps the latest snapshot of every resource instance (replicas each have their own id), so clients pick a live
/// replica at once when they reconnect, and fault cases target one replica by its own resource id.
/// </summary>
public sealed class Topology : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly string _redis;
    private IReadOnlyList<(string Service, string Urls)> _processes = [];
    private long _scannedAt = long.MinValue / 2;
    private readonly Lock _scanLock = new();

    private Topology(DistributedApplication app, string redis)
    {
        _redis = redis;
        _watching = Task.Run(() => WatchAsync(app));
    }

    public static async Task<Topology> StartAsync(DistributedApplication app, CancellationToken cancel)
    {
        var redis = await app.GetConnectionStringAsync("redis", cancel) ?? throw new InvalidOperationException("redis has no connection string");
        var topology = new Topology(app, redis);
        await topology._first.Task.WaitAsync(cancel);
        // The watch replays every resource's current state first; give it a moment to deliver all of them.
        await Task.Delay(500, cancel);
        return topology;
    }

    public IReadOnlyList<Instance> Of(string resource) =>
        [.. _instances.Values.Where(instance => instance.Resource == resource).OrderBy(instance => instance.ResourceId, StringComparer.Ordinal)];

    public Instance? Get(string resourceId) => _instances.TryGetValue(resourceId, out var instance) ? instance : null;

    /// <summary>
    /// The addresses the processes of <paramref name="resource"/> of this AppHost accept TCP connections on. The
    /// processes are read from /proc (<c>OTEL_SERVICE_NAME</c>, <c>ASPNETCORE_URLS</c>, and this AppHost's Redis
    /// connection string), since a replica started again may listen on a new port while its snapshot still shows the
    /// old one; a process is listed only once a connect to its address succeeded within <see cref="ProbeTimeout"/>,
    /// so a replica that has started but does not listen yet is not offered. Refreshed at most every 300 ms.
    /// </summary>
    public IReadOnlyList<Uri> ReadyAddresses(string resource)
    {
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref _scannedAt) > 300)
        {
            lock (_scanLock)
            {
                if (now - Volatile.Read(ref _scannedAt) > 300)
                {
                    _processes = Listening(ScanProcesses());
                    Volatile.Write(ref _scannedAt, Environment.TickCount64);
                }
            }
        }

        return [.. _processes.Where(process => process.Service == resource).Select(process => new Uri(process.Urls.Split(';')[0])).Distinct().OrderBy(uri => uri.ToString(), StringComparer.Ordinal)];
    }

    /// <summary>The full <c>ASPNETCORE_URLS</c> of the process listening on <paramref name="address"/>.</summary>
    public string UrlsOf(Uri address) => _processes.First(process => new Uri(process.Urls.Split(';')[0]) == address).Urls;

    /// <summary>How long one probe waits for a replica to accept a TCP connection before it counts as not listening.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The processes whose first address accepts a TCP connection within <see cref="ProbeTimeout"/> (probed in parallel).</summary>
    private static IReadOnlyList<(string Service, string Urls)> Listening(IReadOnlyList<(string Service, string Urls)> processes)
    {
        async Task<bool> AcceptsAsync(string urls)
        {
            var address = new Uri(urls.Split(';')[0]);
            using var timeout = new CancellationTokenSource(ProbeTimeout);
            using var probe = new System.Net.Sockets.TcpClient();
            try
            {
                await probe.ConnectAsync(address.Host, address.Port, timeout.Token);
                return true;
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                return false;
            }
        }

        // Called from synchronous pickers; the probes are bounded, so this blocks for at most ProbeTimeout.
        var accepts = Task.WhenAll(processes.Select(process => Task.Run(() => AcceptsAsync(process.Urls)))).GetAwaiter().GetResult();
        return [.. processes.Where((_, index) => accepts[index])];
    }

    private IReadOnlyList<(string Service, string Urls)> ScanProcesses()
    {
        var marker = $"ConnectionStrings__redis={_redis}";
        var found = new List<(string, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _))
            {
                continue;
            }

            string[] environ;
            try
            {
                environ = File.ReadAllText(Path.Combine(directory, "environ")).Split('\0');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var service = environ.FirstOrDefault(variable => variable.StartsWith("OTEL_SERVICE_NAME=", StringComparison.Ordinal));
            var urls = environ.FirstOrDefault(variable => variable.StartsWith("ASPNETCORE_URLS=", StringComparison.Ordinal));
            if (service is not null && urls is not null && environ.Contains(marker, StringComparer.Ordinal))
            {
                found.Add((service["OTEL_SERVICE_NAME=".Length..], urls["ASPNETCORE_URLS=".Length..]));
            }
        }

        return found;
    }

    /// <summary>The <paramref name="attempt"/>-th ready replica (round robin), or null while none is ready.</summary>
    public Uri? Pick(string resource, int attempt)
    {
        var ready = ReadyAddresses(resource);
        return ready.Count == 0 ? null : ready[attempt % ready.Count];
    }

    public async Task WaitAsync(string resourceId, Func<Instance, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Get(resourceId) is not { } instance || !condition(instance))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{resourceId} did not become {what} within {timeout.TotalSeconds} s (now {Get(resourceId)}).");
            }

            await Task.Delay(100, _stop.Token);
        }
    }

    /// <summary>Waits until every instance of <paramref name="resource"/> (at least one) is running and healthy.</summary>
    public async Task WaitAllReadyAsync(string resource, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Of(resource) is not { Count: > 0 } instances || !instances.All(instance => instance.Ready))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{resource} not all ready within {timeout.TotalSeconds} s: {string.Join(", ", Of(resource))}");
            }

            await Task.Delay(100, _stop.Token);
        }
    }

    private async Task WatchAsync(DistributedApplication app)
    {
        try
        {
            await foreach (var update in app.ResourceNotifications.WatchAsync(_stop.Token))
            {
                var urls = update.Snapshot.EnvironmentVariables.FirstOrDefault(variable => variable.Name == "ASPNETCORE_URLS")?.Value;
                _instances[update.ResourceId] = new Instance(update.Resource.Name, update.ResourceId, update.Snapshot.State?.Text, update.Snapshot.HealthStatus, urls);
                _first.TrySetResult();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching.ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
