using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>Live delivery through a real bus, with event batches put on the bus by the test instead of the outbox publisher.</summary>
[Collection(LiveDeliveryCollection.Name)]
public sealed class LiveEventHubTests(RedisProcess redis, RabbitMqServerFixture rabbit) : LiveDeliveryTestBase(redis, rabbit)
{
    [Fact]
    public async Task A_gap_is_repaired_from_the_outbox_and_duplicates_are_dropped()
    {
        var host = await StartHostAsync(HostRoles.Live);
        var bus = host.Services.GetRequiredService<IBus>();
        var dave = new RecordingSubscriber("dave");
        using var subscription = host.Services.GetRequiredService<ILiveEventHub>().Subscribe(dave, ["room-g"]);
        var events = new List<ChatEventPublished>();
        for (var i = 0; i < 5; i++)
        {
            events.Add(await Writer.RoomEventAsync("room-g"));
        }

        // The bus lost 2..4 (say the queue was recreated) and then delivers 1 again.
        var ct = TestContext.Current.CancellationToken;
        // Within one message and across messages.
        await bus.Publish(new LiveEventBatchPublished([events[0], events[4], events[0]]), ct);
        await bus.Publish(new LiveEventBatchPublished([events[2]]), ct);
        var next = await Writer.RoomEventAsync("room-g");
        await bus.Publish(new LiveEventBatchPublished([next]), ct);

        Assert.Equal([1L, 2, 3, 4, 5, 6], await dave.NextIdsAsync(6));
        // The dispatch position moves once the whole dispatch is done, just after the subscriber got the event.
        var hub = host.Services.GetRequiredService<ILiveEventHub>();
        await Eventually.TrueAsync(() => hub.LastDispatchedId == 6, $"LastDispatchedId == 6 (is {hub.LastDispatchedId})");
    }

    [Fact]
    public async Task A_gap_no_longer_in_the_outbox_is_skipped_and_delivery_continues()
    {
        var host = await StartHostAsync(HostRoles.Live);
        var bus = host.Services.GetRequiredService<IBus>();
        var erin = new RecordingSubscriber("erin");
        using var subscription = host.Services.GetRequiredService<ILiveEventHub>().Subscribe(erin, ["room-t"]);
        var first = await Writer.RoomEventAsync("room-t");
        await Writer.RoomEventAsync("room-t");
        var third = await Writer.RoomEventAsync("room-t");
        await Database.StreamDeleteAsync(Chat.Outbox.OutboxKeys.Stream, ["2-0"]);

        var ct = TestContext.Current.CancellationToken;
        await bus.Publish(new LiveEventBatchPublished([first]), ct);
        await bus.Publish(new LiveEventBatchPublished([third]), ct);

        Assert.Equal([1L, 3], await erin.NextIdsAsync(2));
    }

    [Fact]
    public async Task Member_joined_subscribes_before_delivery_and_member_left_unsubscribes_after()
    {
        var host = await StartHostAsync(HostRoles.Live);
        var bus = host.Services.GetRequiredService<IBus>();
        var frank = new RecordingSubscriber("frank");
        using var subscription = host.Services.GetRequiredService<ILiveEventHub>().Subscribe(frank, ["room-home"]);
        var ct = TestContext.Current.CancellationToken;

        var before = await Writer.RoomEventAsync("room-j");
        var joined = await Writer.MemberEventAsync("room-j", ChatEventTypes.MemberJoined, "frank");
        var message = await Writer.RoomEventAsync("room-j");
        var left = await Writer.MemberEventAsync("room-j", ChatEventTypes.MemberLeft, "frank");
        var after = await Writer.RoomEventAsync("room-j");
        var home = await Writer.RoomEventAsync("room-home");
        foreach (var published in new[] { before, joined, message, left, after, home })
        {
            await bus.Publish(new LiveEventBatchPublished([published]), ct);
        }

        var received = await frank.NextIdsAsync(4);
        Assert.Equal([joined.Id, message.Id, left.Id, home.Id], received);
    }

    [Fact]
    public async Task Ephemeral_signals_reach_room_members_and_addressed_users_only()
    {
        var host = await StartHostAsync(HostRoles.Live);
        var signals = host.Services.GetRequiredService<IEphemeralSignals>();
        var hub = host.Services.GetRequiredService<ILiveEventHub>();
        var gina = new RecordingSubscriber("gina");
        var hank = new RecordingSubscriber("hank");
        using var ginaSubscription = hub.Subscribe(gina, ["room-s"]);
        using var hankSubscription = hub.Subscribe(hank, ["room-other"]);
        var ct = TestContext.Current.CancellationToken;

        await signals.PublishAsync(ChatEventTypes.Typing, "room-s", "ivan", """{"type":"typing","room":"room-s","data":{"user":"ivan"}}"""u8.ToArray(), ct);
        await signals.PublishAsync(ChatEventTypes.Presence, null, "hank", """{"type":"presence","data":{"user":"gina","status":"online"}}"""u8.ToArray(), ct);

        var typing = await gina.NextAsync();
        Assert.Equal((0L, ChatEventTypes.Typing, "room-s"), (typing.Id, typing.Type, typing.Room));
        Assert.Contains("\"ivan\"", System.Text.Encoding.UTF8.GetString(typing.Json.Span), StringComparison.Ordinal);
        var presence = await hank.NextAsync();
        Assert.Equal(ChatEventTypes.Presence, presence.Type);
    }
}
