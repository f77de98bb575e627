using System.Diagnostics;
using System.Text;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Chat.Tests.Telemetry;

/// <summary>A live event remembers the span that queued it, so its write to the client continues the event's trace.</summary>
public sealed class DeliveryTracingTests : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == ChatTelemetry.Name,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public DeliveryTracingTests() => ActivitySource.AddActivityListener(_listener);

    [Fact]
    public async Task A_live_event_is_written_in_a_span_that_is_a_child_of_the_dispatch_that_queued_it()
    {
        using var feed = new ResumableFeed("alice", capacity: 8);
        string dispatchSpan;
        ActivityTraceId trace;
        using (var dispatch = ChatTelemetry.Source.StartActivity("live dispatch"))
        {
            Assert.NotNull(dispatch);
            (dispatchSpan, trace) = (dispatch.SpanId.ToHexString(), dispatch.TraceId);
            feed.OnEvent(new LiveEvent(42, "message.created", "lobby", null, Event(42)));
            feed.OnEvent(new LiveEvent(0, "typing", "lobby", "bob", "{}"u8.ToArray()));
        }

        feed.TrySendControl("heartbeat", "{}"u8.ToArray());
        feed.Complete();
        List<FeedItem> items = [];
        await foreach (var item in feed.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            items.Add(item);
        }

        using (var write = FeedDelivery.StartWrite(DeliveryChannels.Sse, items[0]))
        {
            Assert.NotNull(write);
            Assert.Equal("sse write", write.OperationName);
            Assert.Equal(trace, write.TraceId);
            Assert.Equal(dispatchSpan, write.ParentSpanId.ToHexString());
            Assert.Equal("sse", write.GetTagItem("chatmesh.channel"));
            Assert.Equal(42L, write.GetTagItem("chatmesh.event_id"));
            Assert.Equal("lobby", write.GetTagItem("chatmesh.room"));
        }

        // A typing signal and a heartbeat are not deliveries of the log: no span each.
        Assert.Null(FeedDelivery.StartWrite(DeliveryChannels.Sse, items[1]));
        Assert.Null(FeedDelivery.StartWrite(DeliveryChannels.Sse, items[2]));
        Assert.True(items[0].IsLive);
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

    private static byte[] Event(long id, string ts = "2026-11-28T15:00:00.000Z") =>
        Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"message.created","room":"lobby","actor":"bob","ts":"{{{ts}}}","data":{"text":"hi"}}""");

    public void Dispose() => _listener.Dispose();
}
