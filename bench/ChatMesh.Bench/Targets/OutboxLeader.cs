using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using StackExchange.Redis;

namespace ChatMesh.Bench.Targets;

/// <summary>
/// Makes the gateway the outbox leader of every bench run, and says who led. The leader is whichever of the services
/// that publish the outbox (gateway, legacy, integration) first takes the Redis lease <c>chat:outbox:lease</c> after
/// start (<c>SET NX</c>; its value is <c>machine:pid:guid</c>); a race that varies between runs and confounds A/B
/// comparisons. The bench starts legacy and integration explicitly, only once the gateway holds the lease.
/// </summary>
internal static class OutboxLeader
{
    private const string LeaseKey = "chat:outbox:lease";

    /// <summary>The other candidates: they start only when the bench says so (<see cref="StartFollowersAsync"/>).</summary>
    public static readonly string[] Followers = ["legacy", "integration"];

    private static readonly TimeSpan LeaseWait = TimeSpan.FromSeconds(30);

    /// <summary>Every candidate and the start of its process name (<c>/proc/&lt;pid&gt;/comm</c>).</summary>
    private static readonly (string Service, string Comm)[] Services = [("gateway", "ChatMesh.Gatewa"), ("legacy", "ChatMesh.Legacy"), ("integration", "ChatMesh.Integr")];

    public static void HoldFollowers(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var resource in builder.Resources.OfType<ProjectResource>().Where(resource => Followers.Contains(resource.Name)))
        {
            builder.CreateResourceBuilder(resource).WithExplicitStart();
        }
    }

    /// <summary>Waits until <paramref name="gatewayPid"/> holds the lease, then starts the followers and waits until they are healthy.</summary>
    public static async Task StartFollowersAsync(DistributedApplication app, int gatewayPid, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectAsync(app, cancellationToken);
        var deadline = DateTime.UtcNow + LeaseWait;
        while (HolderPid(await redis.GetDatabase().StringGetAsync(LeaseKey)) != gatewayPid)
        {
            if (DateTime.UtcNow > deadline)
            {
                Console.WriteLine($"   the gateway did not take the outbox lease in {LeaseWait.TotalSeconds:0} s; starting the others anyway");
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        foreach (var follower in Followers)
        {
            var started = await commands.ExecuteCommandAsync(follower, KnownResourceCommands.StartCommand, cancellationToken);
            if (!started.Success)
            {
                throw new InvalidOperationException($"{follower} did not start: {started.Message}");
            }
        }

        foreach (var follower in Followers)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(follower, cancellationToken);
        }
    }

    /// <summary>Which service holds the lease now, for the report: its process name and pid (this run's processes only).</summary>
    public static async Task<string> DescribeAsync(DistributedApplication app, string runMarker, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectAsync(app, cancellationToken);
        var holder = HolderPid(await redis.GetDatabase().StringGetAsync(LeaseKey));
        if (holder is not { } pid)
        {
            return "outbox leader: none";
        }

        foreach (var (service, comm) in Services)
        {
            if (ProcessMemory.Find(comm, runMarker) == pid)
            {
                return string.Create(CultureInfo.InvariantCulture, $"outbox leader: {service} (pid {pid})");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"outbox leader: pid {pid} (not a service of this run)");
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(DistributedApplication app, CancellationToken cancellationToken) =>
        await ConnectionMultiplexer.ConnectAsync(await app.GetConnectionStringAsync("redis", cancellationToken)
            ?? throw new InvalidOperationException("redis has no connection string."));

    /// <summary>The pid in a lease value <c>machine:pid:guid</c>.</summary>
    private static int? HolderPid(RedisValue lease) =>
        lease.HasValue && lease.ToString().Split(':') is { Length: >= 3 } parts && int.TryParse(parts[^2], CultureInfo.InvariantCulture, out var pid) ? pid : null;
}
