using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(ChatMesh.EndToEnd.Tests.ChatMeshAppFixture))]

namespace ChatMesh.EndToEnd.Tests;

/// <summary>One AppHost for the whole assembly: real Redis and RabbitMQ from this machine, every service, 2 gateway, 2 notification and 2 legacy replicas.</summary>
public sealed class ChatMeshAppFixture : IAsyncLifetime
{
    public static readonly string[] Services = ["gateway", "notification", "legacy", "integration", "web"];

    /// <summary>The token-signing key the AppHost hands every service, fixed here so tests can forge tokens.</summary>
    public const string SigningKey = "e2e-signing-key-0123456789abcdefghijklmnopqrstuvwxyz";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("chatmesh-e2e-").FullName;
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    /// <summary>Receives every span, <c>chatmesh.*</c> metric and log the services export (OTLP/HTTP), for the telemetry tests.</summary>
    public OtlpCollector Telemetry { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Telemetry.StartAsync();
        _app = await StartAppAsync(_stateDirectory, Telemetry,
        [
            "--ChatMesh:Gateway:Replicas=2",
            "--ChatMesh:Notification:Replicas=2",
            "--ChatMesh:Legacy:Replicas=2",
        ]);
    }

    /// <summary>
    /// Builds and starts an AppHost in local mode with the fixed signing key, the test suites' overrides and telemetry
    /// to <paramref name="telemetry"/>, plus <paramref name="arguments"/>; returns once every service is healthy.
    /// </summary>
    internal static async Task<DistributedApplication> StartAppAsync(string stateDirectory, OtlpCollector telemetry, string[] arguments)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ChatMesh_AppHost>(
        [
            "--ChatMesh:Infrastructure:Mode=Local",
            $"--ChatMesh:Infrastructure:StateDirectory={stateDirectory}",
            $"--Parameters:jwt-signing-key={SigningKey}",
            .. arguments,
        ]);
        ApplyOverrides(builder);
        ExportTelemetryTo(builder, telemetry.Endpoint);

        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        var app = await builder.BuildAsync();
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await app.StartAsync(timeout.Token);
            foreach (var resource in Services)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            }

            return app;
        }
        catch
        {
            // Stop what did start, so no server outlives a failed start.
            await app.DisposeAsync();
            throw;
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
