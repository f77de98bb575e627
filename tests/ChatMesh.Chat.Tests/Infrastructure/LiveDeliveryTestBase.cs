using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>Gives each live delivery test an empty Redis, an outbox writer, and hosts that are stopped after the test.</summary>
public abstract class LiveDeliveryTestBase(RedisProcess redis, RabbitMqServerFixture rabbit) : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private ConnectionMultiplexer? _connection;

    internal OutboxTestWriter Writer { get; private set; } = null!;

    internal IDatabase Database => _connection!.GetDatabase();

    internal RabbitMqServerFixture Rabbit => rabbit;

    public async ValueTask InitializeAsync()
    {
        _connection = await redis.ConnectAsync();
        await _connection.GetServers()[0].FlushDatabaseAsync();
        Writer = new OutboxTestWriter(_connection.GetDatabase());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.ToArray())
        {
            await StopAsync(host);
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    internal async Task<IHost> StartHostAsync(HostRoles roles, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await LiveTestHost.StartAsync(redis, rabbit, roles, TestContext.Current.CancellationToken, settings);
        _hosts.Add(host);
        return host;
    }

    internal async Task StopAsync(IHost host)
    {
        if (_hosts.Remove(host))
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }
}
