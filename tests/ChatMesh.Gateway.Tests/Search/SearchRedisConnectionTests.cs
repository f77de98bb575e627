using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Outbox;
using ChatMesh.Gateway.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>
/// The search indexer tails the outbox on a connection of its own; it runs on the configured
/// <c>Chat:Redis:SocketScheduler</c> like the shared one (before, it always ran on the library's dedicated threads).
/// </summary>
public sealed class SearchRedisConnectionTests(SearchRedis redis) : SearchRedisTestBase(redis, "chatmesh-search-redis-")
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("ThreadPool", true)]
    public async Task The_indexers_outbox_tail_connects_on_the_configured_socket_scheduler(string? configured, bool threadPool)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Gateway:Search:Directory"] = Folder;
        builder.Configuration[RedisSocketSchedulers.Key] = configured;
        builder.Services.AddSingleton<IConnectionMultiplexer>(Redis);
        builder.AddChatSearch();
        await using var app = builder.Build();

        // What SearchIndexer is given to open its tail with.
        await using var tail = new OutboxTailReader(app.Services.GetRequiredService<OwnRedisConnections>(), new ChatDurabilityOptions());

        Assert.Same(threadPool ? SocketManager.ThreadPool : SocketManager.Shared, tail.ConnectionOptions.SocketManager);
    }
}
