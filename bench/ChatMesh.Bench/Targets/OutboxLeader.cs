using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using StackExchange.Redis;

namespace ChatMesh.Bench.Targets;

/// <summary>
/// Makes the gateway the outbox leader of every bench run, and says who led. The leader is whichever of the services
/// that publish the outbox (gateway, legacy, integration) first takes the Redis lease <c>chat:outbox:lease</c> after
/// start (<c>SET NX</c>; its value is <c>machine:pid:guid</c>): a race that varies between runs and confounds A/B
/// comparisons. The bench starts legacy and integration only once the gateway is healthy (<c>WaitFor</c>); the gateway
/// takes the lease in its publisher's first pass, seconds before either of them has booted. The report says who held
/// the lease at the start and at the end, so a run where that did not hold is visible.
/// </summary>
internal static class OutboxLeader
{
    private const string LeaseKey = "chat:outbox:lease";

    /// <summary>The other candidates, started after the gateway.</summary>
    private static readonly string[] Followers = ["legacy", "integration"];

    /// <summary>Every candidate and the start of its process name (<c>/proc/&lt;pid&gt;/comm</c>).</summary>
    private static readonly (string Service, string Comm)[] Services = [("gateway", "ChatMesh.Gatewa"), ("legacy", "ChatMesh.Legacy"), ("integration", "ChatMesh.Integr")];

    public static void GatewayFirst(IDistributedApplicationTestingBuilder builder)
    {
        var projects = builder.Resources.OfType<ProjectResource>().ToArray();
        var gateway = builder.CreateResourceBuilder(projects.Single(resource => resource.Name == "gateway"));
        foreach (var follower in projects.Where(resource => Followers.Contains(resource.Name)))
        {
            builder.CreateResourceBuilder(follower).WaitFor(gateway);
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
