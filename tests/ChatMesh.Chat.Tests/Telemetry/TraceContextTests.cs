using System.Diagnostics;
using ChatMesh.Chat.Outbox;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.Telemetry;

/// <summary>The committing span's trace context rides the outbox entry, so the publisher can continue the same trace.</summary>
public sealed class TraceContextTests(RedisServerFixture redis) : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == ChatTelemetry.Name,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    [Fact]
    public async Task A_traced_post_stores_its_traceparent_with_the_outbox_entry()
    {
        ActivitySource.AddActivityListener(_listener);
        var chat = new ChatTestContext(redis);
        var alice = chat.User("alice");
        var room = (await chat.PublicRoomAsync(alice, "traced")).Id;

        string traceParent;
        long id;
        using (var action = ChatTelemetry.Source.StartActivity("ws send", ActivityKind.Server))
        {
            Assert.NotNull(action);
            traceParent = action.Id!;
            id = (await chat.Chat.PostMessageAsync(alice, room, "hello", null, null, ChatTestContext.Token)).EventId;
        }

        var stored = await OutboxEntries.ReadRangeAsync(chat.Db, id, id, 1);
        Assert.Equal(traceParent, Assert.Single(stored).TraceParent);

        using var publish = ChatTelemetry.StartFromTraceParent("outbox publish", ActivityKind.Producer, stored[0].TraceParent);
        Assert.NotNull(publish);
        Assert.Equal(ActivityContext.Parse(traceParent, null).TraceId, publish.TraceId);
    }

    [Fact]
    public async Task An_untraced_post_stores_no_traceparent_and_publishing_starts_a_new_trace()
    {
        var chat = new ChatTestContext(redis);
        var alice = chat.User("alice");
        var room = (await chat.PublicRoomAsync(alice, "untraced")).Id;
        var previous = Activity.Current;
        Activity.Current = null;
        long id;
        try
        {
            id = (await chat.Chat.PostMessageAsync(alice, room, "hello", null, null, ChatTestContext.Token)).EventId;
        }
        finally
        {
            Activity.Current = previous;
        }

        var stored = Assert.Single(await OutboxEntries.ReadRangeAsync(chat.Db, id, id, 1));
        Assert.Null(stored.TraceParent);
    }

    public void Dispose() => _listener.Dispose();
}
