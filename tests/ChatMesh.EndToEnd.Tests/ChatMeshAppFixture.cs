using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(ChatMesh.EndToEnd.Tests.ChatMeshAppFixture))]

namespace ChatMesh.EndToEnd.Tests;

/// <summary>One AppHost for the whole assembly: real Redis and RabbitMQ from this machine, every service, 2 gateway, 2 notification and 2 legacy replicas.</summary>
public class ChatMeshAppFixture : IAsyncLifetime
{
    public static readonly string[] Services = ["gateway", "notification", "legacy", "integration", "web"];

    /// <summary>The RabbitMQ resource (in Cluster mode the cluster, healthy while all its nodes are running members).</summary>
    public const string MessagingResource = "messaging";

    /// <summary>The token-signing key the AppHost hands every service, fixed here so tests can forge tokens.</summary>
    public const string SigningKey = "e2e-signing-key-0123456789abcdefghijklmnopqrstuvwxyz";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("chatmesh-e2e-").FullName;
    private DistributedApplication? _app;

    /// <summary>AppHost arguments a fixture of its own adds (e.g. another infrastructure topology).</summary>
    protected virtual IEnumerable<string> Arguments => [];

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    /// <summary>Receives every span, <c>chatmesh.*</c> metric and log the services export (OTLP/HTTP), for the telemetry tests.</summary>
    public OtlpCollector Telemetry { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ChatMesh_AppHost>(
        [
            "--ChatMesh:Infrastructure:Mode=Local",
            $"--ChatMesh:Infrastructure:StateDirectory={_stateDirectory}",
            "--ChatMesh:Gateway:Replicas=2",
            "--ChatMesh:Notification:Replicas=2",
            "--ChatMesh:Legacy:Replicas=2",
            $"--Parameters:jwt-signing-key={SigningKey}",
            .. Arguments,
        ]);
        ApplyOverrides(builder);
        await Telemetry.StartAsync();
        ExportTelemetryTo(builder, Telemetry.Endpoint);

        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        _app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in Services)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }
    }

    /// <summary>Every service exports traces, metrics and logs to the in-test collector, quickly, over OTLP/HTTP.</summary>
    private static void ExportTelemetryTo(IDistributedApplicationTestingBuilder builder, Uri endpoint)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.ToString().TrimEnd('/'))
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "200")
                .WithEnvironment("OTEL_BLRP_SCHEDULE_DELAY", "200")
                // Cumulative metrics every second, so a test sees its traffic counted within moments.
                .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "1000")
                .WithEnvironment("OTEL_TRACES_SAMPLER", "always_on");
        }
    }

    private static void ApplyOverrides(IDistributedApplicationTestingBuilder builder)
    {
        var suites = typeof(ChatMeshAppFixture).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(IServiceOverrides).IsAssignableFrom(type))
            .Select(type => (IServiceOverrides)Activator.CreateInstance(type)!);
        foreach (var suite in suites)
        {
            var resource = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == suite.Resource));
            foreach (var (name, value) in suite.Environment)
            {
                resource.WithEnvironment(name, value);
            }
        }
    }

    public HttpClient CreateClient(string resource) => App.CreateHttpClient(resource, "http");

    /// <summary>
    /// A client that sends exactly the Cookie header a test sets. <see cref="CreateClient"/>'s handlers come from a pool
    /// whose cookie jar keeps what earlier tests' responses set (a sign-in's session cookie), and the jar's cookie goes
    /// out instead of a hand-set one.
    /// </summary>
    public HttpClient CreateClientWithoutCookieJar(string resource) =>
        new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = App.GetEndpoint(resource, "http") };

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Telemetry.DisposeAsync();

        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be flushing; the temp folder is cleaned by the OS later.
        }
    }
}
