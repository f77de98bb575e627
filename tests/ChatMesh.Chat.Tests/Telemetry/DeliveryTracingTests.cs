using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Telemetry;

/// <summary>
/// A live event remembers the dispatch that queued it, so its write to the client continues the event's trace; only
/// the first few recipients of each dispatch are traced per write.
/// </summary>
public sealed class DeliveryTracingTests(RedisProcess redis) : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private ActivityListener? _listener;
    private ConnectionMultiplexer? _connection;

    public async ValueTask InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ChatTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _connection = await redis.ConnectAsync();
    }

    [Fact]
    public async Task The_first_recipients_of_a_dispatch_are_written_in_a_child_span_of_it_and_the_others_untraced()
    {
        var hub = Hub(writeSpansPerDispatch: 2);
        ResumableFeed[] feeds = [new("alice", capacity: 8), new("bob", capacity: 8), new("carol", capacity: 8)];
        var subscriptions = feeds.Select(feed => hub.Subscribe(feed, ["lobby"])).ToList();
        ActivityTraceId trace;
        using (var send = ChatTelemetry.Source.StartActivity("ws send"))
        {
            Assert.NotNull(send);
            trace = send.TraceId;
            await hub.DeliverAsync(new ChatEventPublished(1, ChatEventTypes.MessageCreated, "lobby", null, Event(1), send.Id), TestContext.Current.CancellationToken);
        }

        hub.DeliverSignal(new EphemeralSignalPublished("typing", "lobby", "bob", "{}"u8.ToArray()));
        var dispatch = Assert.Single(_stopped, span => span.OperationName == "live dispatch" && span.TraceId == trace);
        Assert.Equal(3, dispatch.GetTagItem("chatmesh.recipients"));
        var items = new List<List<FeedItem>>();
        foreach (var feed in feeds)
        {
            feed.TrySendControl("heartbeat", "{}"u8.ToArray());
            feed.Complete();
            items.Add(await Items(feed));
        }

        foreach (var traced in items.Take(2))
        {
            using var write = FeedDelivery.StartWrite(DeliveryChannels.Sse, traced[0]);
            Assert.NotNull(write);
            Assert.Equal("sse write", write.OperationName);
            Assert.Equal(trace, write.TraceId);
            Assert.Equal(dispatch.SpanId, write.ParentSpanId);
            Assert.Equal("sse", write.GetTagItem("chatmesh.channel"));
            Assert.Equal(1L, write.GetTagItem("chatmesh.event_id"));
            Assert.Equal("lobby", write.GetTagItem("chatmesh.room"));
        }

        // Beyond the sample the event is delivered (and counted) the same, without a span or a reference to one.
        var untraced = items[2][0];
        Assert.Equal(1, untraced.Id);
        Assert.True(untraced.IsLive);
        Assert.Null(untraced.Cause);
        Assert.Null(FeedDelivery.StartWrite(DeliveryChannels.Sse, untraced));

        // A typing signal and a heartbeat are not deliveries of the log: no span each.
        Assert.All(items, feed => Assert.Equal(["message.created", "typing", "heartbeat"], feed.Select(item => item.Type)));
        Assert.All(items, feed => Assert.Null(FeedDelivery.StartWrite(DeliveryChannels.Sse, feed[1])));
        Assert.All(items, feed => Assert.Null(FeedDelivery.StartWrite(DeliveryChannels.Sse, feed[2])));
        subscriptions.ForEach(subscription => subscription.Dispose());
    }

    [Fact]
    public async Task With_no_write_spans_configured_no_recipient_keeps_a_span()
    {
        var hub = Hub(writeSpansPerDispatch: 0);
        var feed = new ResumableFeed("dave", capacity: 8);
        using var subscription = hub.Subscribe(feed, ["hall"]);
        using (ChatTelemetry.Source.StartActivity("ws send"))
        {
            await hub.DeliverAsync(new ChatEventPublished(1, ChatEventTypes.MessageCreated, "hall", null, Event(1)), TestContext.Current.CancellationToken);
        }

        feed.Complete();
        var item = Assert.Single(await Items(feed));
        Assert.Null(item.Cause);
        Assert.Null(FeedDelivery.StartWrite(DeliveryChannels.WebSocket, item));
    }

    [Fact]
    public void The_commit_time_is_the_events_ts()
    {
        var committed = DateTimeOffset.Parse("2026-11-28T15:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(committed, CommitTimestamps.Of(7001, Event(7001, "2026-11-28T15:00:00.123Z")));
        Assert.Null(CommitTimestamps.Of(7002, """{"id":7002,"type":"member.joined","data":{}}"""u8));
        Assert.Null(CommitTimestamps.Of(7003, """{"id":7003,"ts":"yesterday"}"""u8));
        Assert.Null(CommitTimestamps.Of(7004, "not json"u8));
    }

    private LiveEventHub Hub(int writeSpansPerDispatch) => new(
        _connection!,
        Options.Create(new LiveEventOptions { WriteSpansPerDispatch = writeSpansPerDispatch }),
        new LiveEventMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
        NullLogger<LiveEventHub>.Instance);

    private static async Task<List<FeedItem>> Items(ResumableFeed feed)
    {
        List<FeedItem> items = [];
        await foreach (var item in feed.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            items.Add(item);
        }

        return items;
    }

    private static byte[] Event(long id, string ts = "2026-11-28T15:00:00.000Z") =>
        Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"message.created","room":"lobby","actor":"bob","ts":"{{{ts}}}","data":{"text":"hi"}}""");

    public async ValueTask DisposeAsync()
    {
        _listener?.Dispose();
        await _services.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
