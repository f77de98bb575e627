using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(ChatMesh.EndToEnd.Tests.ChatMeshAppFixture))]

namespace ChatMesh.EndToEnd.Tests;

/// <summary>One AppHost for the whole assembly: real Redis and RabbitMQ from this machine, every service, 2 gateway replicas.</summary>
public sealed class ChatMeshAppFixture : IAsyncLifetime
{
    public static readonly string[] Services = ["gateway", "notification", "legacy", "integration", "web"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("chatmesh-e2e-").FullName;
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ChatMesh_AppHost>(
        [
            "--ChatMesh:Infrastructure:Mode=Local",
            $"--ChatMesh:Infrastructure:StateDirectory={_stateDirectory}",
            "--ChatMesh:Gateway:Replicas=2",
        ]);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        _app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await _app.StartAsync(timeout.Token);
        foreach (var resource in Services)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
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
