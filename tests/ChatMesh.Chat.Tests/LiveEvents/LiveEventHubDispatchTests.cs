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
