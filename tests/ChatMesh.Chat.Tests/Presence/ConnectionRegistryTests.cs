using System.Collections.Concurrent;
using System.Text;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Presence;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Identity;
using ChatMesh.Chat.Tests.Infrastructure;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.Presence;

/// <summary>Connection caps and presence against a real Redis, with two registries standing for two instances.</summary>
public sealed class ConnectionRegistryTests(RedisServerFixture redis)
{
    private static readonly PresenceOptions Fast = new()
    {
        ConnectionTtl = TimeSpan.FromSeconds(45),
        RefreshInterval = TimeSpan.FromMilliseconds(50),
        SweepInterval = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task A_user_whose_instance_crashed_goes_offline_once_the_ttl_passes()
    {
        var chat = new ChatTestContext(redis);
        var bob = chat.User("bob");
        var room = (await chat.PublicRoomAsync(bob, "presence")).Id;
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var signals = new CapturingSignals();
        var crashed = Registry(chat, clock, signals);
        var survivor = Registry(chat, clock, signals);

        // Bob connects through an instance that then dies: its lease is never closed nor refreshed again.
        Assert.NotNull(await crashed.TryOpenAsync(bob, Guid.NewGuid().ToString("N"), 5, ChatTestContext.Token));
        Assert.Equal(["online"], signals.StatusesOf(bob, room));

        await survivor.StartAsync(ChatTestContext.Token);
        try
        {
            Assert.Equal([bob], await survivor.OnlineAsync([bob], ChatTestContext.Token));
            clock.Now += Fast.ConnectionTtl + TimeSpan.FromSeconds(1);
            await Eventually.TrueAsync(() => signals.StatusesOf(bob, room).SequenceEqual(["online", "offline"]));
            Assert.Empty(await survivor.OnlineAsync([bob], ChatTestContext.Token));
        }
        finally
        {
            await survivor.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_running_instance_keeps_all_its_connections_alive_past_the_ttl()
    {
        var chat = new ChatTestContext(redis);
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var signals = new CapturingSignals();
        var holder = Registry(chat, clock, signals);
        var sweeper = Registry(chat, clock, signals);
        // More connections than one refresh script takes, over many users.
        var users = Enumerable.Range(0, 300).Select(i => $"keep-{Guid.NewGuid():N}"[..20] + $"-{i}").ToList();
        foreach (var user in users)
        {
            for (var c = 0; c < 4; c++)
            {
                Assert.NotNull(await holder.TryOpenAsync(user, $"{user}-c{c}", 5, ChatTestContext.Token));
            }
        }

        await holder.StartAsync(ChatTestContext.Token);
        await sweeper.StartAsync(ChatTestContext.Token);
        try
        {
            // Three times two thirds of the TTL: without refreshes every connection would have expired twice over.
            for (var step = 0; step < 3; step++)
            {
                clock.Now += Fast.ConnectionTtl * 2 / 3;
                await Task.Delay(Fast.RefreshInterval * 8, ChatTestContext.Token);
            }

            // Another instance, sweeping all along, still counts every one of them online.
            Assert.Equal(users.Order(), (await sweeper.OnlineAsync(users, ChatTestContext.Token)).Order());
        }
        finally
        {
            await holder.StopAsync(CancellationToken.None);
            await sweeper.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_per_user_cap_counts_connections_on_every_instance()
    {
        var chat = new ChatTestContext(redis);
        var alice = chat.User("alice");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var signals = new CapturingSignals();
        var first = Registry(chat, clock, signals);
        var second = Registry(chat, clock, signals);

        var a = await first.TryOpenAsync(alice, "c1", 2, ChatTestContext.Token);
        var b = await second.TryOpenAsync(alice, "c2", 2, ChatTestContext.Token);
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.Null(await first.TryOpenAsync(alice, "c3", 2, ChatTestContext.Token));

        await b.DisposeAsync();
        var c = await second.TryOpenAsync(alice, "c4", 2, ChatTestContext.Token);
        Assert.NotNull(c);
        await a.DisposeAsync();
        await c.DisposeAsync();
        Assert.Empty(await first.OnlineAsync([alice], ChatTestContext.Token));
    }

    private static ConnectionRegistry Registry(ChatTestContext chat, TimeProvider clock, CapturingSignals signals) =>
        new(redis: RedisOf(chat), Options.Create(Fast), clock, new PresenceAnnouncer(chat.Chat, signals), NullLogger<ConnectionRegistry>.Instance);

    private static StackExchange.Redis.IConnectionMultiplexer RedisOf(ChatTestContext chat) => chat.Db.Multiplexer;

    private sealed class CapturingSignals : IEphemeralSignals
    {
        private readonly ConcurrentQueue<(string? Room, string? User, string Json)> _published = new();

        public Task PublishAsync(string type, string? room, string? user, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
        {
            _published.Enqueue((room, user, Encoding.UTF8.GetString(json.Span)));
            return Task.CompletedTask;
        }

        public List<string> StatusesOf(string user, string room) =>
            [.. _published.Where(signal => signal.User == user && signal.Room == room)
                .Select(signal => System.Text.Json.JsonDocument.Parse(signal.Json).RootElement.GetProperty("status").GetString()!)];
    }
}
