using ChatMesh.Chat.Tests.Redis;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>
/// A redis-server of one search test class's own (a class fixture, not the assembly's): the indexer reads the whole
/// outbox and a rebuild walks every room, and <see cref="SearchIndexerTests"/> drops the whole outbox (as retention
/// does). On a server shared by the classes that drop could take events another class's indexer had yet to read, and
/// that class then waited for them in vain (SearchOperationsTests' rebuild, until session 15).
/// </summary>
public sealed class SearchRedis : IAsyncLifetime
{
    private readonly RedisServerFixture server = new();

    public ValueTask InitializeAsync() => server.InitializeAsync();

    /// <summary>Opens a client connection for the test to write and inspect keys with.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() =>
        ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)},allowAdmin=true");

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
