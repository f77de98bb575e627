using ChatMesh.Chat.Tests.Infrastructure;

namespace ChatMesh.Chat.Tests.LiveEvents;

[Collection(LiveDeliveryCollection.Name)]
public sealed class LiveQueueTopologyTests(RedisProcess redis, RabbitMqServerFixture rabbit) : LiveDeliveryTestBase(redis, rabbit)
{
    [Fact]
    public async Task Each_instance_gets_its_own_temporary_queue_removed_when_it_stops()
    {
        var first = await StartHostAsync(HostRoles.Live);
        await StartHostAsync(HostRoles.Live);
        var ct = TestContext.Current.CancellationToken;

        var queues = LiveQueues(await Rabbit.RunCtlAsync(ct, "list_queues", "--quiet", "--no-table-headers", "name", "durable", "auto_delete", "exclusive"));
        Assert.Equal(2, queues.Count);
        // Non-durable and exclusive: the broker deletes it when the instance's connection goes (auto_delete is implied).
        Assert.All(queues, q => Assert.Equal(("false", "true"), (q[1], q[3])));

        await StopAsync(first);
        var remaining = LiveQueues(await Rabbit.RunCtlAsync(ct, "list_queues", "--quiet", "--no-table-headers", "name", "durable", "auto_delete", "exclusive"));
        Assert.Single(remaining);
    }

    private static List<string[]> LiveQueues(string listing) =>
        listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t', StringSplitOptions.TrimEntries))
            .Where(columns => columns[0].StartsWith("live-", StringComparison.Ordinal))
            .ToList();
}
