using System.Diagnostics.Metrics;
using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>
/// The committing instance's fast path (<see cref="LiveEventHub.TryDispatchCommitted"/>) and the per-event write stages:
/// the hub fed directly, without a bus; ids are contiguous so the outbox is never read.
/// </summary>
public sealed class LiveEventHubLocalDispatchTests(RedisProcess redis) : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LiveEventOptions _options = new() { DispatchCommittedLocally = true };
    private ConnectionMultiplexer? _connection;
    private LiveEventMetrics _metrics = null!;
    private LiveEventHub _hub = null!;
    private Instruments _instruments = null!;

    public async ValueTask InitializeAsync()
    {
        _connection = await redis.ConnectAsync();
        var factory = _services.GetRequiredService<IMeterFactory>();
        _metrics = new LiveEventMetrics(factory);
        _instruments = new Instruments(factory.Create("ChatMesh"));
        _hub = new LiveEventHub(_connection, Options.Create(_options), _metrics, NullLogger<LiveEventHub>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        _instruments.Dispose();
        await _services.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_next_event_in_order_is_dispatched_at_once_and_its_bus_copy_is_dropped_without_counting_a_duplicate()
    {
        var member = new RecordingSubscriber("bob");
        using var subscription = _hub.Subscribe(member, ["room"]);
        await BusAsync(1);
        Assert.Equal(1, (await member.NextAsync()).Id);

        Assert.True(_hub.TryDispatchCommitted(Stored(2)));
        Assert.Equal(2, (await member.NextAsync()).Id);

        // The bus brings 2 again, then 3: 2 is not handed over twice, and it is no duplicate.
        await BusAsync(2, 3);
        Assert.Equal(3, (await member.NextAsync()).Id);
        Assert.False(member.TryTake());
        Assert.Equal(0, _instruments.Count("chatmesh.live.duplicates"));
        Assert.Equal(1, _instruments.Count("chatmesh.live.committed_locally"));

        // A real duplicate (not dispatched locally) is still counted.
        await BusAsync(3);
        Assert.Equal(1, _instruments.Count("chatmesh.live.duplicates"));
    }

    [Fact]
    public async Task An_event_with_older_ids_still_on_the_bus_is_left_to_the_bus_and_arrives_in_order()
    {
        var member = new RecordingSubscriber("bob");
        using var subscription = _hub.Subscribe(member, ["room"]);
        await BusAsync(1);

        Assert.False(_hub.TryDispatchCommitted(Stored(3)));
        Assert.Equal(1, _hub.LastDispatchedId);

        await BusAsync(2, 3);
        Assert.Equal([1L, 2, 3], await member.NextIdsAsync(3));
        Assert.False(member.TryTake());
    }

    [Fact]
    public void A_hub_that_dispatched_nothing_yet_or_is_told_not_to_leaves_the_event_to_the_bus()
    {
        var member = new RecordingSubscriber("bob");
        using var subscription = _hub.Subscribe(member, ["room"]);

        Assert.False(_hub.TryDispatchCommitted(Stored(1)));
        Assert.Equal(0, _hub.LastDispatchedId);
        Assert.False(member.TryTake());
    }

    [Fact]
    public async Task With_the_option_off_every_event_waits_for_the_bus()
    {
        _options.DispatchCommittedLocally = false;
        var member = new RecordingSubscriber("bob");
        using var subscription = _hub.Subscribe(member, ["room"]);
        await BusAsync(1);
        Assert.Equal(1, (await member.NextAsync()).Id);

        Assert.False(_hub.TryDispatchCommitted(Stored(2)));
        Assert.False(member.TryTake());
        Assert.Equal(1, _hub.LastDispatchedId);
    }

    [Fact]
    public async Task Each_dispatched_event_records_its_first_and_its_last_write_once()
    {
        var feeds = new[] { new ResumableFeed("bob", 10), new ResumableFeed("carol", 10), new ResumableFeed("dave", 10) };
        var subscriptions = feeds.Select(feed => _hub.Subscribe(feed, ["room"])).ToList();
        await BusAsync(1);

        var written = new List<FeedItem>();
        foreach (var feed in feeds)
        {
            feed.Complete();
            await foreach (var item in feed.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                written.Add(item);
            }
        }

        Assert.Equal(3, written.Count);
        _metrics.Written(written[0]);
        Assert.Equal(1, _instruments.Stages("written"));
        Assert.Equal(0, _instruments.Stages("written_all"));

        _metrics.Written(written[1]);
        _metrics.Written(written[2]);
        Assert.Equal(1, _instruments.Stages("written"));
        Assert.Equal(1, _instruments.Stages("written_all"));
        subscriptions.ForEach(subscription => subscription.Dispose());
    }

    private ValueTask BusAsync(params long[] ids) =>
        _hub.DeliverAsync([.. ids.Select(id => new ChatEventPublished(id, ChatEventTypes.MessageCreated, "room", null, Json(id)))],
            TestContext.Current.CancellationToken);

    private static StoredEvent Stored(long id) => new(id, ChatEventTypes.MessageCreated, "room", null, Json(id));

    private static byte[] Json(long id) =>
        Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"message.created","room":"room","ts":"{{{DateTimeOffset.UtcNow:O}}}","data":{}}""");

    /// <summary>What this test's own meter recorded: counter sums, and since-commit records per stage.</summary>
    private sealed class Instruments : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = [];
        private readonly Dictionary<string, int> _stages = [];
        private readonly Lock _gate = new();

        public Instruments(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                lock (_gate)
                {
                    _counts[instrument.Name] = _counts.GetValueOrDefault(instrument.Name) + value;
                }
            });
            _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
            {
                if (instrument.Name != "chatmesh.live.since_commit")
                {
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "chatmesh.stage" && tag.Value is string stage)
                    {
                        lock (_gate)
                        {
                            _stages[stage] = _stages.GetValueOrDefault(stage) + 1;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string name)
        {
            lock (_gate)
            {
                return _counts.GetValueOrDefault(name);
            }
        }

        public int Stages(string stage)
        {
            lock (_gate)
            {
                return _stages.GetValueOrDefault(stage);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
