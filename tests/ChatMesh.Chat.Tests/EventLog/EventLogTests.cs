using System.Collections.Concurrent;
using System.Text.Json;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.EventLog;

public sealed class EventLogTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    [Fact]
    public async Task Concurrent_posts_get_strictly_increasing_ids_in_history_order()
    {
        var users = Enumerable.Range(0, 8).Select(i => t.User($"u{i}")).ToList();
        var room = await t.PublicRoomAsync(users[0], "busy");
        foreach (var user in users.Skip(1))
        {
            await t.Chat.JoinRoomAsync(user, room.Id, Token);
        }

        var ids = new ConcurrentBag<long>();
        await Task.WhenAll(users.Select(user => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                ids.Add((await t.Chat.PostMessageAsync(user, room.Id, $"{user} {i}", null, $"k{i}", Token)).EventId);
            }
        }, Token)));

        Assert.Equal(200, ids.Distinct().Count());
        List<long> history = [];
        long? before = null;
        HistoryPage page;
        do
        {
            page = await t.Chat.GetHistoryAsync(users[0], room.Id, before, null, 100, Token);
            history.InsertRange(0, page.Messages.Select(m => m.Id));
            before = page.Messages.Count > 0 ? page.Messages[0].Id : before;
        }
        while (page.HasMore);

        Assert.Equal(ids.Order(), history);
        var log = await t.Db.StreamRangeAsync($"chat:room:{room.Id}:log", "-", "+");
        var logIds = log.Select(e => long.Parse(((string)e.Id!).Split('-')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(logIds.Order(), logIds);
        Assert.Equal(logIds.Count, logIds.Distinct().Count());
    }

    [Fact]
    public async Task A_stored_event_is_the_documented_wire_json_with_its_stream_id_inside()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.PublicRoomAsync(alice, "wire");
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        var parent = await t.Chat.PostMessageAsync(alice, room.Id, "first", null, null, Token);
        var posted = await t.Chat.PostMessageAsync(alice, room.Id, $"héllo \"@{bob}\" <b>🎉</b>", parent.EventId, null, Token);

        var entry = Assert.Single(await t.Db.StreamRangeAsync($"chat:room:{room.Id}:log", $"{posted.EventId}-0", $"{posted.EventId}-0"));
        Assert.Equal($"{posted.EventId}-0", (string)entry.Id!);
        var stored = (byte[])entry["e"]!;
        Assert.Equal(posted.Event!.Json.ToArray(), stored);

        using var json = JsonDocument.Parse(stored);
        var root = json.RootElement;
        Assert.Equal(["id", "type", "room", "actor", "ts", "data"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(posted.EventId, root.GetProperty("id").GetInt64());
        Assert.Equal(ChatEventTypes.MessageCreated, root.GetProperty("type").GetString());
        Assert.Equal(room.Id, root.GetProperty("room").GetString());
        Assert.Equal(alice, root.GetProperty("actor").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", root.GetProperty("ts").GetString());
        var data = root.GetProperty("data");
        Assert.Equal(posted.EventId, data.GetProperty("messageId").GetInt64());
        Assert.Equal($"héllo \"@{bob}\" <b>🎉</b>", data.GetProperty("text").GetString());
        Assert.Equal(parent.EventId, data.GetProperty("replyTo").GetInt64());
        Assert.Equal([bob], data.GetProperty("mentions").EnumerateArray().Select(m => m.GetString()));

        var outbox = Assert.Single(await t.Db.StreamRangeAsync("chat:outbox", $"{posted.EventId}-0", $"{posted.EventId}-0"));
        Assert.Equal(ChatEventTypes.MessageCreated, (string)outbox["t"]!);
        Assert.Equal(room.Id, (string)outbox["r"]!);
        Assert.Equal("", (string)outbox["u"]!);
        Assert.Equal(stored, (byte[])outbox["e"]!);
        var mention = Assert.Single(await t.Db.StreamRangeAsync("chat:outbox", $"{posted.EventId + 1}-0", $"{posted.EventId + 1}-0"));
        Assert.Equal(ChatEventTypes.NotificationMention, (string)mention["t"]!);
        Assert.Equal("", (string)mention["r"]!);
        Assert.Equal(bob, (string)mention["u"]!);
    }

    [Fact]
    public async Task Event_timestamps_come_from_the_injected_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 12, 0, 0, 123, TimeSpan.Zero));
        var timed = new ChatTestContext(redis, time: clock);
        var alice = timed.User("alice");
        var room = await timed.PublicRoomAsync(alice, "clock");
        var posted = await timed.Chat.PostMessageAsync(alice, room.Id, "tick", null, null, Token);
        using var json = JsonDocument.Parse(posted.Event!.Json);
        Assert.Equal("2026-11-28T12:00:00.123Z", json.RootElement.GetProperty("ts").GetString());
        Assert.Equal(clock.GetUtcNow(), Assert.Single((await timed.Chat.GetHistoryAsync(alice, room.Id, null, null, 1, Token)).Messages).CreatedAt);
        Assert.Equal(clock.GetUtcNow(), room.CreatedAt);
    }

    [Fact]
    public void Options_are_validated_on_start()
    {
        var services = new ServiceCollection();
        services.AddChatDomain(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MaxMessageLength"] = "0",
            ["Retention:MaxEventsPerRoom"] = "-1",
        }).Build());
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatOptions>>().Value);
        Assert.Contains(error.Failures, f => f.Contains("MaxMessageLength", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxEventsPerRoom", StringComparison.Ordinal));

        var defaults = new ChatOptions();
        Assert.True(new ChatOptionsValidator().Validate(null, defaults).Succeeded);
        Assert.Equal(4000, defaults.MaxMessageLength);
        Assert.Equal(100, defaults.MaxHistoryPage);
        Assert.Equal(10_000, defaults.Retention.MaxEventsPerRoom);
        Assert.Equal(10_000, defaults.Retention.MaxEventsPerUser);
        Assert.Equal(100_000, defaults.Retention.OutboxMaxLength);
        Assert.Equal(TimeSpan.FromHours(24), defaults.IdempotencyKeyTtl);
    }

    [Fact]
    public void AddChatDomain_registers_the_redis_chat_service_options_and_a_clock()
    {
        var services = new ServiceCollection();
        services.AddSingleton<StackExchange.Redis.IConnectionMultiplexer>(redis.Connection);
        services.AddChatDomain(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MaxHistoryPage"] = "50",
            ["Retention:OutboxMaxLength"] = "5000",
        }).Build());
        using var provider = services.BuildServiceProvider();

        Assert.IsType<RedisChatService>(provider.GetRequiredService<IChatService>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        var options = provider.GetRequiredService<IOptions<ChatOptions>>().Value;
        Assert.Equal(50, options.MaxHistoryPage);
        Assert.Equal(5000, options.Retention.OutboxMaxLength);
        Assert.Equal(10_000, options.Retention.MaxEventsPerRoom);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
