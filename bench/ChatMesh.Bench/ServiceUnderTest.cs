using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// The set-up shared by the held-connection scenarios (SSE, long-poll): ChatMesh started with one service's overrides,
/// that service healthy, its process found (memory, CPU) and an HttpClient straight to it (<see cref="HeldScenario"/>
/// opens the connections and measures around them).
/// </summary>
internal sealed class ServiceUnderTest : IHeldServer
{
    private ServiceUnderTest(string name, ChatMeshTarget target, int processId, HttpClient http)
    {
        Name = name;
        Target = target;
        ProcessId = processId;
        Http = http;
    }

    public string Name { get; }

    public ChatMeshTarget Target { get; }

    public int ProcessId { get; }

    /// <summary>A client for thousands of long-lived requests to the service's own address (<see cref="StreamingHttp"/>).</summary>
    public HttpClient Http { get; }

    public string? ReceiverToken(int user) => Target.ReceiverToken(user);

    public Task<string> DescribeAsync(CancellationToken cancellationToken) => Target.DescribeAsync(cancellationToken);

    public Task<Func<string, CancellationToken, Task>> ConnectSenderAsync(CancellationToken cancellationToken) => Target.ConnectSenderAsync(cancellationToken);

    /// <summary>
    /// Starts ChatMesh with <paramref name="users"/> members of one room; <paramref name="configure"/> gets the
    /// <paramref name="resource"/> builder (its logging already lifted to warnings); <paramref name="processName"/> is
    /// the start of its process name (<c>/proc/&lt;pid&gt;/comm</c>, 15 characters at most).
    /// </summary>
    public static async Task<ServiceUnderTest> StartAsync(string name, string resource, string processName, int users, Action<IResourceBuilder<ProjectResource>> configure, CancellationToken cancellationToken)
    {
        Console.WriteLine($"== {name}: starting ChatMesh, signing in {users} members of the room");
        var target = new ChatMeshTarget(builder => configure(ChatMeshTarget.Service(builder, resource)));
        try
        {
            await target.StartAsync(users, cancellationToken);
            await target.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
            var pid = ProcessMemory.Find(processName, target.RunMarker)
                ?? throw new InvalidOperationException($"The {resource} process was not found.");
            return new ServiceUnderTest(name, target, pid, StreamingHttp.Create(await target.DirectAddressAsync(resource, cancellationToken)));
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Target.DisposeAsync();
    }
}
