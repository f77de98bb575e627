using System.Globalization;
using System.Net;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Outbox;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Hosting;

/// <summary>
/// <c>Chat:Redis:SocketScheduler</c> reaches every Redis connection a service opens: the shared multiplexer (Aspire's
/// client) and the outbox tail's connection of its own (the outbox publisher's and the gateway search indexer's),
/// which before took only the shared connection's configuration string and so always ran on the library's dedicated threads.
/// </summary>
public sealed class OwnRedisConnectionsTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    [Theory]
    [InlineData(null, false)]
    [InlineData("Dedicated", false)]
    [InlineData("ThreadPool", true)]
    public async Task The_outbox_tail_connects_on_the_same_configured_socket_scheduler_as_the_shared_connection(string? configured, bool threadPool)
    {
        var expected = threadPool ? SocketManager.ThreadPool : SocketManager.Shared;
        using var host = BuildService(configured);

        var shared = host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;
        Assert.Same(expected, shared.SocketManager);
        await using var tail = new OutboxTailReader(host.Services.GetRequiredService<OwnRedisConnections>(), new ChatDurabilityOptions());
        Assert.Same(expected, tail.ConnectionOptions.SocketManager);
        Assert.Equal(OutboxTailReader.ClientName, tail.ConnectionOptions.ClientName);
        var endpoint = Assert.Single(tail.ConnectionOptions.EndPoints);
        Assert.Equal(redis.Port, Assert.IsType<IPEndPoint>(endpoint).Port);
    }

    [Fact]
    public async Task A_tail_on_the_thread_pool_scheduler_reads_what_was_committed()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "threadpool-tail");
        var posted = await t.Chat.PostMessageAsync(alice, room.Id, "on the pool", null, null, Token);
        using var host = BuildService("ThreadPool");

        await using var tail = new OutboxTailReader(host.Services.GetRequiredService<OwnRedisConnections>(), new ChatDurabilityOptions());
        var read = await tail.ReadAfterAsync(posted.EventId - 1, 1, TimeSpan.FromMilliseconds(100), Token);

        Assert.Equal(posted.EventId, Assert.Single(read).Id);
    }

    /// <summary>A service's composition as Gateway, Legacy and Integration have it (infrastructure, then the outbox publisher); not started.</summary>
    private IHost BuildService(string? scheduler)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ChatInfrastructureExtensions.RedisConnectionName}"] = "127.0.0.1:" + redis.Port.ToString(CultureInfo.InvariantCulture),
            [$"ConnectionStrings:{ChatInfrastructureExtensions.MessagingConnectionName}"] = "amqp://guest:guest@127.0.0.1:5672",
            [RedisSocketSchedulers.Key] = scheduler,
        });
        builder.AddChatInfrastructure();
        builder.Services.AddChatOutboxPublisher();
        return builder.Build();
    }
}
