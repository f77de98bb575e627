using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>The hub's routing fed directly, without a bus; ids are contiguous so the outbox is never read.</summary>
public sealed class LiveEventHubDispatchTests(RedisProcess redis) : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private ConnectionMultiplexer? _connection;
    private LiveEventHub _hub = null!;
    private long _nextId;

    public async ValueTask InitializeAsync()
    {
        _connection = await redis.ConnectAsync();
        _hub = new LiveEventHub(
            _connection,
            Options.Create(new LiveEventOptions()),
            new LiveEventMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<LiveEventHub>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_slow_subscriber_overflows_its_own_queue_without_affecting_others()
    {
        var slowQueue = new BoundedEventQueue(2);
        var fastQueue = new BoundedEventQueue(100);
        using var slow = _hub.Subscribe(new QueueingLiveSubscriber("slow", slowQueue), ["room"]);
        using var fast = _hub.Subscribe(new QueueingLiveSubscriber("fast", fastQueue), ["room"]);

        for (var i = 0; i < 5; i++)
        {
            await DeliverAsync("room");
        }

        Assert.True(slowQueue.Overflowed);
        Assert.False(fastQueue.Overflowed);
        Assert.Equal(5, fastQueue.Reader.Count);
    }

    [Fact]
    public async Task A_subscriber_may_unsubscribe_from_inside_OnEvent()
    {
        var first = new SelfRemovingSubscriber("first");
        var second = new RecordingSubscriber("second");
        first.Subscription = _hub.Subscribe(first, ["room"]);
        using var secondSubscription = _hub.Subscribe(second, ["room"]);

        await DeliverAsync("room");
        await DeliverAsync("room");

        Assert.Equal(1, first.Received);
        Assert.Equal([1L, 2], await second.NextIdsAsync(2));
    }

    [Fact]
    public async Task Disposed_subscriptions_and_other_users_receive_nothing()
    {
        var kept = new RecordingSubscriber("kept");
        var gone = new SelfRemovingSubscriber("gone");
        using var keptSubscription = _hub.Subscribe(kept, ["room"]);
        _hub.Subscribe(gone, ["room"]).Dispose();

        await DeliverPersonalAsync("someone-else");
        await DeliverAsync("room");

        Assert.Equal(2, (await kept.NextAsync()).Id);
        Assert.Equal(0, gone.Received);
        Assert.Equal(2, _hub.LastDispatchedId);
    }

    [Fact]
    public async Task Every_waiting_feed_of_a_large_room_is_woken_once_per_event_in_id_order()
    {
        // 100 feeds with their readers waiting: the default wake batch (32) queues three full chunks and a remainder of
        // 4, the last of which only the end of the hand-over queues.
        const int Feeds = 100;
        var feeds = Enumerable.Range(0, Feeds).Select(i => new ResumableFeed($"reader-{i}", capacity: 64)).ToArray();
        var subscriptions = feeds.Select(feed => _hub.Subscribe(feed, ["big-room"])).ToArray();
        var readers = feeds.Select(feed => Task.Run(async () =>
        {
            var ids = new List<long>();
            await foreach (var item in feed.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                ids.Add(item.Id);
                if (ids.Count == 3)
                {
                    break;
                }
            }
            return ids;
        })).ToArray();

        for (var i = 0; i < 3; i++)
        {
            await DeliverAsync("big-room");
        }

        var received = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.All(received, ids => Assert.Equal([1L, 2, 3], ids));
        foreach (var (subscription, feed) in subscriptions.Zip(feeds))
        {
            subscription.Dispose();
            feed.Dispose();
        }
    }

    [Fact]
    public void A_wake_batch_outside_1_to_4096_is_refused_at_start()
    {
        var validator = new LiveEventOptionsValidator();

        Assert.True(validator.Validate(null, new LiveEventOptions { WakeBatchSize = 0 }).Failed);
        Assert.True(validator.Validate(null, new LiveEventOptions { WakeBatchSize = 4097 }).Failed);
        Assert.True(validator.Validate(null, new LiveEventOptions { WakeBatchSize = 1 }).Succeeded);
    }

    private ValueTask DeliverAsync(string room) => Deliver(ChatEventTypes.MessageCreated, room, null);

    private ValueTask DeliverPersonalAsync(string user) => Deliver(ChatEventTypes.NotificationMention, null, user);

    private ValueTask Deliver(string type, string? room, string? user)
    {
        var id = ++_nextId;
        var json = Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"{{{type}}}","data":{}}""");
        return _hub.DeliverAsync(new ChatEventPublished(id, type, room, user, json), TestContext.Current.CancellationToken);
    }

    private sealed class SelfRemovingSubscriber(string userId) : ILiveSubscriber
    {
        public string UserId { get; } = userId;

        public IDisposable? Subscription { get; set; }

        public int Received { get; private set; }

        public void OnEvent(in LiveEvent liveEvent)
        {
            Received++;
            Subscription?.Dispose();
        }
    }
}
