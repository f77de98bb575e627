using Microsoft.Extensions.Configuration;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>How every ChatMesh service is wired into the app model.</summary>
internal static class ServiceResourceExtensions
{
    public static IResourceBuilder<ProjectResource> AddChatService<TProject>(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<IResourceWithConnectionString> redis,
        IResourceBuilder<IResourceWithConnectionString> messaging,
        IResourceBuilder<ParameterResource> signingKey)
        where TProject : IProjectMetadata, new()
    {
        var replicas = builder.Configuration.GetValue($"ChatMesh:{Capitalize(name)}:Replicas", 1);
        if (replicas < 1)
        {
            throw new InvalidOperationException($"ChatMesh:{Capitalize(name)}:Replicas must be at least 1 (was {replicas}).");
        }

        var service = builder.AddProject<TProject>(name)
            .WithReference(redis).WaitFor(redis)
            .WithReference(messaging).WaitFor(messaging)
            .WithEnvironment("Auth__SigningKey", signingKey)
            // Dev sign-in is off unless configured; this app model is the development and test setup, so it says so.
            .WithEnvironment("Auth__DevSignIn__Enabled", "true")
            .WithRunMarker()
            .WithHttpHealthCheck("/health");
        if (redis.Resource is LocalRedisSentinelResource sentinel)
        {
            // Acknowledged means on the replica too, so a failover keeps it (docs/reliability.md).
            service.WithEnvironment("Chat__Durability__Replicas", sentinel.Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return replicas > 1 ? service.WithReplicas(replicas) : service;
    }

    /// <summary>Pins the public edge to <c>ChatMesh:Web:Port</c> when set (./chatmesh run does), else a free port.</summary>
    public static IResourceBuilder<ProjectResource> WithPublicPort(this IResourceBuilder<ProjectResource> web, IConfiguration configuration)
    {
        var port = configuration.GetValue<int?>("ChatMesh:Web:Port");
        if (port is null)
        {
            return web;
        }

        if (port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"ChatMesh:Web:Port must be a TCP port (1-65535), was {port}.");
        }

        return web.WithEndpoint("http", endpoint => endpoint.Port = port);
    }

    private static string Capitalize(string name) => char.ToUpperInvariant(name[0]) + name[1..];
}
