using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.AppHost.Tests.Deployment;

/// <summary>One project resource of the AppHost's model: what it is given, as its publish manifest would say it.</summary>
internal sealed record ModelService(
    string Name,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<EndpointAnnotation> Endpoints)
{
    public bool IsEdge => Endpoints.Any(e => e.IsExternal);
}

/// <summary>
/// Builds the AppHost's application model the way the AppHost builds it (its own Program, its own wiring) without
/// starting anything: no DCP, no processes, no servers. Redis and RabbitMQ are given as connection strings so the
/// infrastructure code takes its External path and neither probes a container runtime nor locks a state folder.
/// </summary>
internal static class AppHostModel
{
    /// <param name="settings">More AppHost settings (<c>key=value</c>), as on its command line.</param>
    public static async Task<(IReadOnlyList<ModelService> Services, IReadOnlySet<string> SecretParameters)> LoadAsync(
        CancellationToken cancellationToken, params string[] settings)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync(
            typeof(InfrastructureModeSelector),
            [
                "ChatMesh:Infrastructure:Mode=External",
                "ConnectionStrings:redis=redis.invalid:6379",
                "ConnectionStrings:messaging=amqp://chatmesh:unused@rabbitmq.invalid:5672",
                .. settings,
            ],
            cancellationToken);

        var services = new List<ModelService>();
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // Publish: values that are references come back as manifest expressions ({redis.connectionString},
            // {jwt-signing-key.value}, {gateway.bindings.http.url}), literals as themselves.
            // Obsolete in Aspire 13 for ExecutionConfigurationBuilder, which resolves values for a run; this one still
            // renders the publish expressions, which is what tells a secret or an endpoint URL from a literal.
#pragma warning disable CS0618
            var environment = await project.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
            services.Add(new(project.Name, environment, [.. project.Annotations.OfType<EndpointAnnotation>()]));
        }

        var secrets = builder.Resources.OfType<ParameterResource>().Where(p => p.Secret).Select(p => p.Name).ToHashSet();
        return (services, secrets);
    }
}
