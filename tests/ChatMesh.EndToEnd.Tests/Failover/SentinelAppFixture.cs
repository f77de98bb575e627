using ChatMesh.EndToEnd.Tests.Telemetry;

namespace ChatMesh.EndToEnd.Tests.Failover;

/// <summary>
/// A second AppHost for the failover tests: Redis as a primary, a replica and three Sentinels
/// (<c>ChatMesh:Infrastructure:Redis=Sentinel</c>), one replica of each service. Separate from the assembly's AppHost,
/// whose single Redis every other test relies on.
/// </summary>
public sealed class SentinelAppFixture : IAsyncLifetime
{
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("chatmesh-sentinel-").FullName;
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public OtlpCollector Telemetry { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Telemetry.StartAsync();
        _app = await ChatMeshAppFixture.StartAppAsync(_stateDirectory, Telemetry, ["--ChatMesh:Infrastructure:Redis=Sentinel"]);
    }

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
