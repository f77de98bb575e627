using ChatMesh.Chat.Tests.Redis;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(ChatMesh.Chat.Tests.Infrastructure.RedisProcess))]

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>A throwaway, non-persistent redis-server of its own for the live delivery tests (started like <see cref="RedisServerFixture"/>).</summary>
public sealed class RedisProcess : IAsyncLifetime
{
    private readonly RedisServerFixture _server = new();

    /// <summary>The StackExchange.Redis configuration to put in <c>ConnectionStrings:redis</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{_server.Port}";

    public ValueTask InitializeAsync() => _server.InitializeAsync();

    /// <summary>Opens a client connection for the test to write and inspect keys with.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
