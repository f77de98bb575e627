using ChatMesh.Chat.Tests.Redis;
using ChatMesh.Integration.Delivery;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Tests.Delivery;

/// <summary>The Redis delivery schedule against a real redis-server: dedupe, claims, crash recovery, per-endpoint caps, replay.</summary>
[Collection(nameof(DeliveryScheduleCollection))]
public sealed class DeliveryQueueTests(RedisServerFixture redis)
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    // The tests of one class run one at a time and each only looks at its own endpoints, so a far-future clock is harmless.
    private static DateTimeOffset Slice() => new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(Random.Shared.Next(1, 1_000_000));

    private (DeliveryQueue Queue, ManualClock Clock) Create(int cap = 4)
    {
        var options = new IntegrationOptions();
        options.Delivery.MaxConcurrencyPerEndpoint = cap;
        options.Delivery.VisibilityTimeout = TimeSpan.FromSeconds(30);
        options.Delivery.CapDeferral = TimeSpan.FromMilliseconds(250);
        var clock = new ManualClock(Slice());
        return (new DeliveryQueue(redis.Connection, Options.Create(options), clock), clock);
    }

    private static string Endpoint() => "ep_" + Guid.NewGuid().ToString("N")[..24];

    private static async Task<IReadOnlyList<DeliveryClaim>> ClaimMine(DeliveryQueue queue, string endpoint, int max = 100) =>
        [.. (await queue.ClaimAsync(max)).Where(claim => claim.Endpoint == endpoint)];

    [Fact]
    public async Task Enqueue_is_deduplicated_per_endpoint_and_event()
    {
        var (queue, _) = Create();
        var endpoint = Endpoint();
        Assert.True(await queue.EnqueueAsync(endpoint, 7, "message.created", "{}"u8.ToArray(), null));
        Assert.False(await queue.EnqueueAsync(endpoint, 7, "message.created", "{}"u8.ToArray(), null));
        Assert.True(await queue.EnqueueAsync(Endpoint(), 7, "message.created", "{}"u8.ToArray(), null));
    }

    [Fact]
    public async Task A_crashed_workers_claim_returns_after_the_visibility_timeout()
    {
        var (queue, clock) = Create();
        var endpoint = Endpoint();
        await queue.EnqueueAsync(endpoint, 1, "message.created", "{\"id\":1}"u8.ToArray(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var first = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.Equal(1, first.Attempt);
        Assert.Empty(await ClaimMine(queue, endpoint)); // invisible while claimed

        clock.Now += TimeSpan.FromSeconds(31); // the worker died holding it
        var second = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.Equal(2, second.Attempt);
        Assert.NotEqual(first.Lease, second.Lease);

        // The dead worker's late completion is ignored; the live one's counts.
        Assert.False(await queue.CompleteAsync(first, DeliveryOutcome.Succeeded));
        Assert.True(await queue.CompleteAsync(second, DeliveryOutcome.Succeeded));
        clock.Now += TimeSpan.FromMinutes(5);
        Assert.Empty(await ClaimMine(queue, endpoint));
        Assert.Equal("succeeded", (await queue.GetAsync(endpoint, 1))!.Status);
    }

    [Fact]
    public async Task Retries_come_due_at_their_time_and_releases_do_not_count()
    {
        var (queue, clock) = Create();
        var endpoint = Endpoint();
        await queue.EnqueueAsync(endpoint, 2, "message.created", "{}"u8.ToArray(), null);

        var claim = Assert.Single(await ClaimMine(queue, endpoint));
        await queue.CompleteAsync(claim, DeliveryOutcome.Retry, clock.Now + TimeSpan.FromSeconds(5));
        clock.Now += TimeSpan.FromSeconds(4);
        Assert.Empty(await ClaimMine(queue, endpoint));
        clock.Now += TimeSpan.FromSeconds(2);
        claim = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.Equal(2, claim.Attempt);

        await queue.CompleteAsync(claim, DeliveryOutcome.Released);
        claim = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.Equal(2, claim.Attempt);
    }

    [Fact]
    public async Task An_endpoint_at_its_cap_steps_aside_for_others()
    {
        var (queue, clock) = Create(cap: 2);
        var busy = Endpoint();
        var other = Endpoint();
        for (var i = 1; i <= 5; i++)
        {
            await queue.EnqueueAsync(busy, i, "message.created", "{}"u8.ToArray(), null);
        }

        clock.Now += TimeSpan.FromMilliseconds(1);
        await queue.EnqueueAsync(other, 9, "message.created", "{}"u8.ToArray(), null);

        var claims = await queue.ClaimAsync(100);
        Assert.Equal(2, claims.Count(claim => claim.Endpoint == busy));
        Assert.Single(claims, claim => claim.Endpoint == other);

        // Finishing one frees one slot for the next due message of the busy endpoint.
        await queue.CompleteAsync(claims.First(claim => claim.Endpoint == busy), DeliveryOutcome.Succeeded);
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Single(await ClaimMine(queue, busy));
    }

    [Fact]
    public async Task Failed_messages_can_be_replayed_one_by_one_or_since_a_time()
    {
        var (queue, clock) = Create();
        var endpoint = Endpoint();
        await queue.EnqueueAsync(endpoint, 10, "message.created", "{}"u8.ToArray(), null);
        await queue.EnqueueAsync(endpoint, 11, "message.created", "{}"u8.ToArray(), null);
        foreach (var claim in await ClaimMine(queue, endpoint))
        {
            await queue.CompleteAsync(claim, DeliveryOutcome.Failed);
        }

        Assert.Equal(0, await queue.ReplayAsync(endpoint, 12));
        Assert.Equal(1, await queue.ReplayAsync(endpoint, 10));
        var replayed = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.Equal((10, 1), (replayed.EventId, replayed.Attempt));
        Assert.Equal(2, await queue.ReplayAsync(endpoint, 10)); // in flight

        Assert.Equal(1, await queue.ReplayFailedAsync(endpoint, clock.Now - TimeSpan.FromMinutes(1)));
        Assert.Equal(11, Assert.Single(await ClaimMine(queue, endpoint)).EventId);
    }
}
