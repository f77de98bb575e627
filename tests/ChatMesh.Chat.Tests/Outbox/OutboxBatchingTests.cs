using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Outbox;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Chat.Tests.Outbox;

/// <summary>
/// A busy outbox goes on the bus as batches of consecutive events (one broker round trip each), and the batching is
/// invisible to subscribers: every event once, in id order, each in the trace of the action that committed it.
/// </summary>
[Collection(LiveDeliveryCollection.Name)]
public sealed class OutboxBatchingTests(RedisProcess redis, RabbitMqServerFixture rabbit) : LiveDeliveryTestBase(redis, rabbit)
{
    [Fact]
    public async Task A_backlog_is_published_in_few_bus_messages_and_delivered_in_order_exactly_once()
    {
        var live = await StartHostAsync(HostRoles.Live);
        var alice = new RecordingSubscriber("alice");
        using var subscription = live.Services.GetRequiredService<ILiveEventHub>().Subscribe(alice, ["room-a"]);
        var expected = new List<long>();
        for (var i = 0; i < 1_000; i++)
        {
            expected.Add((await Writer.RoomEventAsync("room-a")).Id);
        }

        using var messages = new PublishedMessages();
        await StartHostAsync(HostRoles.Publisher);

        Assert.Equal(expected, await alice.NextIdsAsync(expected.Count));
        Assert.False(alice.TryTake(), "no event is delivered twice");
        // The default batch is 256 events: 1,000 waiting events need 4 messages, not 1,000. A message is counted once
        // its publish is confirmed, which can come after the subscriber already has its events.
        await Eventually.TrueAsync(() => messages.Count >= 4, "4 bus messages counted");
        Assert.InRange(messages.Count, 4, 20);
    }

    [Fact]
    public async Task A_message_never_carries_more_event_bytes_than_MaxBatchBytes()
    {
        var live = await StartHostAsync(HostRoles.Live);
        var alice = new RecordingSubscriber("alice");
        using var subscription = live.Services.GetRequiredService<ILiveEventHub>().Subscribe(alice, ["room-a"]);
        var text = new string('x', 40 * 1024);
        var expected = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            expected.Add((await Writer.RoomEventAsync("room-a", data: $$"""{"text":"{{text}}"}""")).Id);
        }

        using var messages = new PublishedMessages();
        await StartHostAsync(HostRoles.Publisher, new Dictionary<string, string?> { ["Chat:Outbox:MaxBatchBytes"] = "65536" });

        Assert.Equal(expected, await alice.NextIdsAsync(expected.Count));
        // Two 40 KB events exceed 64 KiB, so each travels alone (counted on confirm, maybe after delivery: wait for it).
        await Eventually.TrueAsync(() => messages.Count >= 12, "12 bus messages counted");
        Assert.Equal(12, messages.Count);
    }

    [Fact]
    public async Task Each_event_in_a_batch_is_published_and_dispatched_in_the_trace_of_the_action_that_committed_it()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ChatTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var live = await StartHostAsync(HostRoles.Live);
        var alice = new RecordingSubscriber("alice");
        using var subscription = live.Services.GetRequiredService<ILiveEventHub>().Subscribe(alice, ["room-a"]);
        var traces = new Dictionary<long, ActivityTraceId>();
        for (var i = 0; i < 50; i++)
        {
            var action = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
            var traceParent = $"00-{action.TraceId}-{action.SpanId}-01";
            traces[(await Writer.RoomEventAsync("room-a", traceParent: traceParent)).Id] = action.TraceId;
        }

        await StartHostAsync(HostRoles.Publisher);

        Assert.Equal(traces.Keys.Order(), await alice.NextIdsAsync(traces.Count));
        foreach (var (id, trace) in traces)
        {
            Assert.Contains(spans, span => span.OperationName == "live dispatch" && span.TraceId == trace && Equals(span.GetTagItem("chatmesh.event_id"), id));
        }

        // And each action's trace shows its own bus hop, not only the batch's first (recorded at the confirm: wait).
        await Eventually.TrueAsync(
            () => traces.All(pair => spans.Any(span => span.OperationName == "outbox publish" && span.TraceId == pair.Value
                && Equals(span.GetTagItem("chatmesh.event_id"), pair.Key))),
            "an outbox publish span in the trace of every event");
        Assert.Contains(spans, span => span.OperationName == "outbox publish" && span.Links.Any() && span.GetTagItem("chatmesh.batch_event_id") is not null);
    }

    /// <summary>
    /// Counts the bus messages outbox publishers send (<c>chatmesh.outbox.messages</c>), from before the publisher starts;
    /// the tests of this collection run one at a time, so the only publisher in the process is the test's.
    /// </summary>
    private sealed class PublishedMessages : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public PublishedMessages()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "ChatMesh" && instrument.Name == "chatmesh.outbox.messages")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
