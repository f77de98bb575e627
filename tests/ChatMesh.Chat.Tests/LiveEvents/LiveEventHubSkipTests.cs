using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>The hub reports the ids it passed over, so a subscriber can tell a complete live sequence from one with a hole.</summary>
[Collection(LiveDeliveryCollection.Name)]
public sealed class LiveEventHubSkipTests(RedisProcess redis, RabbitMqServerFixture rabbit) : LiveDeliveryTestBase(redis, rabbit)
{
    [Fact]
    public async Task A_repaired_gap_is_not_a_skip_but_an_unrepairable_one_is()
    {
        var host = await StartHostAsync(HostRoles.Live);
        var bus = host.Services.GetRequiredService<IBus>();
        var hub = host.Services.GetRequiredService<ILiveEventHub>();
        var kim = new RecordingSubscriber("kim");
        using var subscription = hub.Subscribe(kim, ["room-k"]);
        var events = new List<Chat.Events.ChatEventPublished>();
        for (var i = 0; i < 5; i++)
        {
            events.Add(await Writer.RoomEventAsync("room-k"));
        }

        var ct = TestContext.Current.CancellationToken;
        await bus.Publish(new LiveEventBatchPublished([events[0]]), ct);
        await bus.Publish(new LiveEventBatchPublished([events[2]]), ct);
        Assert.Equal([events[0].Id, events[1].Id, events[2].Id], await kim.NextIdsAsync(3));
        Assert.Equal(events[0].Id - 1, hub.SkippedThrough);

        await Database.StreamDeleteAsync(Chat.Outbox.OutboxKeys.Stream, [$"{events[3].Id}-0"]);
        await bus.Publish(new LiveEventBatchPublished([events[4]]), ct);
        Assert.Equal([events[4].Id], await kim.NextIdsAsync(1));
        Assert.Equal(events[3].Id, hub.SkippedThrough);
    }

    [Fact]
    public async Task What_came_before_the_first_event_a_hub_dispatches_counts_as_skipped()
    {
        var host = await StartHostAsync(HostRoles.Live);
        var bus = host.Services.GetRequiredService<IBus>();
        var hub = host.Services.GetRequiredService<ILiveEventHub>();
        var lee = new RecordingSubscriber("lee");
        using var subscription = hub.Subscribe(lee, ["room-f"]);
        await Writer.RoomEventAsync("room-f");
        await Writer.RoomEventAsync("room-f");
        var third = await Writer.RoomEventAsync("room-f");

        await bus.Publish(new LiveEventBatchPublished([third]), TestContext.Current.CancellationToken);

        Assert.Equal([third.Id], await lee.NextIdsAsync(1));
        Assert.Equal(third.Id - 1, hub.SkippedThrough);
    }
}
