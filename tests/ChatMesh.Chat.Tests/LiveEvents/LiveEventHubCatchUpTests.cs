using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>
/// A hub the bus stops feeding (a broker killed with this instance's queue, an endpoint that consumes nothing more)
/// gets no later event that would reveal the gap; it catches up from the outbox by itself (the kill -9 fault case).
/// </summary>
[Collection(LiveDeliveryCollection.Name)]
public sealed class LiveEventHubCatchUpTests(RedisProcess redis, RabbitMqServerFixture rabbit) : LiveDeliveryTestBase(redis, rabbit)
{
    [Fact]
    public async Task Events_the_bus_never_delivers_reach_subscribers_from_the_outbox_once_and_in_order()
    {
        var host = await StartHostAsync(HostRoles.Live, new Dictionary<string, string?> { ["Chat:LiveEvents:CatchUpAfter"] = "00:00:00.2" });
        var bus = host.Services.GetRequiredService<IBus>();
        var hub = host.Services.GetRequiredService<ILiveEventHub>();
        var ana = new RecordingSubscriber("ana");
        using var subscription = hub.Subscribe(ana, ["room-cu"]);
        var events = new List<Chat.Events.ChatEventPublished>();
        for (var i = 0; i < 4; i++)
        {
            events.Add(await Writer.RoomEventAsync("room-cu"));
        }

        // Only the first goes out live; the rest are lost with the broker, and nothing later comes.
        await bus.Publish(new LiveEventBatchPublished([events[0]]), TestContext.Current.CancellationToken);

        Assert.Equal(events.Select(e => e.Id), await ana.NextIdsAsync(4));
        // A late live copy of what was caught up is dropped, not delivered twice.
        await bus.Publish(new LiveEventBatchPublished([events[3]]), TestContext.Current.CancellationToken);
        var next = await Writer.RoomEventAsync("room-cu");
        await bus.Publish(new LiveEventBatchPublished([next]), TestContext.Current.CancellationToken);
        Assert.Equal([next.Id], await ana.NextIdsAsync(1));
        Assert.Equal(events[0].Id - 1, hub.SkippedThrough);
    }

    [Fact]
    public void A_catch_up_delay_outside_its_range_is_rejected_at_start()
    {
        var validator = new LiveEventOptionsValidator();
        Assert.True(validator.Validate(null, new LiveEventOptions { CatchUpAfter = TimeSpan.FromMilliseconds(10) }).Failed);
        Assert.True(validator.Validate(null, new LiveEventOptions { CatchUpAfter = TimeSpan.FromMinutes(6) }).Failed);
        Assert.True(validator.Validate(null, new LiveEventOptions()).Succeeded);
    }
}
