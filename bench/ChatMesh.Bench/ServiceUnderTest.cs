using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// The set-up shared by the held-connection scenarios (SSE, long-poll): ChatMesh started with one service's overrides,
/// that service healthy, its process found (memory, CPU) and an HttpClient straight to it; then the connections
/// opened with the service's memory growth and idle CPU measured around them.
/// </summary>
internal sealed class ServiceUnderTest : IAsyncDisposable
{
    private ServiceUnderTest(ChatMeshTarget target, int processId, HttpClient http)
    {
        Target = target;
        ProcessId = processId;
        Http = http;
    }

    public ChatMeshTarget Target { get; }

    public int ProcessId { get; }

    /// <summary>A client for thousands of long-lived requests to the service's own address (<see cref="StreamingHttp"/>).</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// Starts ChatMesh with <paramref name="users"/> members of one room; <paramref name="configure"/> gets the
    /// <paramref name="resource"/> builder (its logging already lifted to warnings); <paramref name="processName"/> is
    /// the start of its process name (<c>/proc/&lt;pid&gt;/comm</c>, 15 characters at most).
    /// </summary>
    public static async Task<ServiceUnderTest> StartAsync(string resource, string processName, int users, Action<IResourceBuilder<ProjectResource>> configure, CancellationToken cancellationToken)
    {
        var target = new ChatMeshTarget(builder => configure(ChatMeshTarget.Service(builder, resource)));
        try
        {
            await target.StartAsync(users, cancellationToken);
            await target.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
            var pid = ProcessMemory.Find(processName, target.RunMarker)
                ?? throw new InvalidOperationException($"The {resource} process was not found.");
            return new ServiceUnderTest(target, pid, StreamingHttp.Create(await target.DirectAddressAsync(resource, cancellationToken)));
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Opens every connection into <paramref name="into"/>, then reads the service's RSS growth per connection (from
    /// before the first to 5 s after the last) and its CPU over <paramref name="idleWindow"/> with all of them idle.
    /// </summary>
    public async Task<(double MemoryPerConnection, double IdleCpuPercent)> OpenIdleAsync<T>(T[] into, Func<int, CancellationToken, Task<T>> open, TimeSpan idleWindow, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var before = ProcessMemory.ResidentBytes(ProcessId);
        await Connections.OpenAsync(into, open, cancellationToken);

        // Presence signals of every user coming online are on the wire now: let them pass before measuring.
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var memory = (ProcessMemory.ResidentBytes(ProcessId) - before) / (double)into.Length;
        return (memory, await ProcessCpu.IdlePercentAsync(ProcessId, idleWindow, cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Target.DisposeAsync();
    }
}
