using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Outbox;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.Tests.Outbox;

[Collection(LiveDeliveryCollection.Name)]
public sealed class OutboxPublisherTests(RedisProcess redis, RabbitMqServerFixture rabbit) : LiveDeliveryTestBase(redis, rabbit)
{
    [Fact]
    public async Task Events_across_rooms_reach_members_in_id_order_exactly_once()
    {
        var host = await StartHostAsync(HostRoles.Both);
        var hub = host.Services.GetRequiredService<ILiveEventHub>();
        var alice = new RecordingSubscriber("alice");
        var carol = new RecordingSubscriber("carol");
        using var aliceSubscription = hub.Subscribe(alice, ["room-a", "room-b"]);
        using var carolSubscription = hub.Subscribe(carol, ["room-c"]);

        var expected = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var published = i % 50 == 49
                ? await Writer.PersonalEventAsync(i % 100 == 49 ? "alice" : "bob")
                : await Writer.RoomEventAsync(i % 2 == 0 ? "room-a" : "room-b");
            if (published.User is null or "alice")
            {
                expected.Add(published.Id);
            }
        }
        var sentinel = await Writer.RoomEventAsync("room-c");
        var last = await Writer.RoomEventAsync("room-a");
        expected.Add(last.Id);

        Assert.Equal(expected, await alice.NextIdsAsync(expected.Count));
        // Carol's first event is the one in her room: nothing from alice's rooms or personal streams reached her.
        Assert.Equal(sentinel.Id, (await carol.NextAsync()).Id);
        await Eventually.TrueAsync(() => host.Services.GetRequiredService<OutboxPublisher>().LastPublishedId == last.Id, "progress is recorded");
        Assert.Equal(last.Id, (long)await Database.StringGetAsync(OutboxKeys.Published));
    }

    [Fact]
    public async Task Only_the_lease_holder_publishes_and_a_new_leader_resumes_without_loss_or_duplicate()
    {
        var first = await StartHostAsync(HostRoles.Publisher);
        var second = await StartHostAsync(HostRoles.Publisher);
        var receiver = await StartHostAsync(HostRoles.Live);
        var publishers = new[] { first, second }.Select(h => h.Services.GetRequiredService<OutboxPublisher>()).ToArray();
        var bob = new RecordingSubscriber("bob");
        using var subscription = receiver.Services.GetRequiredService<ILiveEventHub>().Subscribe(bob, ["room-f"]);

        await Eventually.TrueAsync(() => publishers.Any(p => p.IsLeader), "one publisher leads");
        for (var i = 0; i < 100; i++)
        {
            await Writer.RoomEventAsync("room-f");
        }
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), await bob.NextIdsAsync(100));
        var leader = Assert.Single(publishers, p => p.IsLeader);
        var follower = Assert.Single(publishers, p => !p.IsLeader);
        Assert.Equal(0, follower.LastPublishedId);
        Assert.Equal(leader.InstanceId, (string?)await Database.StringGetAsync(OutboxKeys.Lease));

        // Keep writing while the leader goes away, so the handover happens mid-stream.
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await Writer.RoomEventAsync("room-f");
            }
        }, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => leader.LastPublishedId > 150, "the leader publishes some of the new events");
        await StopAsync(leader == publishers[0] ? first : second);
        await writing;

        Assert.Equal(Enumerable.Range(101, 300).Select(i => (long)i), await bob.NextIdsAsync(300));
        await Eventually.TrueAsync(() => follower.IsLeader && follower.LastPublishedId == 400, "the follower took over and published everything");
    }

    [Fact]
    public async Task A_leader_whose_lease_is_taken_stops_and_publishing_resumes_after_it_expires()
    {
        var first = await StartHostAsync(HostRoles.Publisher);
        var second = await StartHostAsync(HostRoles.Publisher);
        var receiver = await StartHostAsync(HostRoles.Live);
        var publishers = new[] { first, second }.Select(h => h.Services.GetRequiredService<OutboxPublisher>()).ToArray();
        var bob = new RecordingSubscriber("bob");
        using var subscription = receiver.Services.GetRequiredService<ILiveEventHub>().Subscribe(bob, ["room-l"]);
        await Eventually.TrueAsync(() => publishers.Any(p => p.IsLeader), "one publisher leads");
        await Writer.RoomEventAsync("room-l");
        Assert.Equal(1, (await bob.NextAsync()).Id);

        // A stalled leader's lease expired and someone else (who then crashed) took it: the leader must stop.
        await Database.StringSetAsync(OutboxKeys.Lease, "crashed-instance", TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => publishers.All(p => !p.IsLeader), "the deposed leader stops");
        for (var i = 0; i < 50; i++)
        {
            await Writer.RoomEventAsync("room-l");
        }

        Assert.Equal(Enumerable.Range(2, 50).Select(i => (long)i), await bob.NextIdsAsync(50));
        Assert.Single(publishers, p => p.IsLeader);
    }
}
