using ChatMesh.Chat.Tests.Redis;
using ChatMesh.Integration.Attempts;
using ChatMesh.Integration.Delivery;
using ChatMesh.Integration.Endpoints;
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

    private (DeliveryQueue Queue, ManualClock Clock) Create(int cap = 4, IntegrationOptions? options = null)
    {
        options ??= new IntegrationOptions();
        options.Delivery.MaxConcurrencyPerEndpoint = cap;
        options.Delivery.VisibilityTimeout = TimeSpan.FromSeconds(30);
        // Earlier tests' leftovers stay out of this one's claims (the collection runs one test at a time).
        redis.Connection.GetDatabase().KeyDelete("wh:ready");
        var clock = new ManualClock(Slice());
        return (new DeliveryQueue(redis.Connection, Options.Create(options), clock), clock);
    }

    /// <summary>A registered endpoint (the schedule forgets the deliveries of endpoints that do not exist).</summary>
    private string Endpoint()
    {
        var id = EndpointStore.NewId();
        new EndpointStore(redis.Connection, TimeProvider.System).SaveAsync(new WebhookEndpoint(
            id, "owner", "http://127.0.0.1:9/hook", null, null, null, true, null, DateTimeOffset.UnixEpoch, null,
            Chat.Webhooks.WebhookSecret.Generate().Encode(), null, null)).GetAwaiter().GetResult();
        return id;
    }

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
    public async Task An_endpoint_at_its_cap_steps_aside_for_others_and_a_completion_frees_its_slot_at_once()
    {
        var (queue, clock) = Create(cap: 2);
        var busy = Endpoint();
        var other = Endpoint();
        for (var i = 1; i <= 50; i++)
        {
            await queue.EnqueueAsync(busy, i, "message.created", "{}"u8.ToArray(), null);
        }

        clock.Now += TimeSpan.FromMilliseconds(1);
        await queue.EnqueueAsync(other, 9, "message.created", "{}"u8.ToArray(), null);

        var claims = await queue.ClaimAsync(100);
        var busyClaims = claims.Where(claim => claim.Endpoint == busy).ToList();
        Assert.Equal(2, busyClaims.Count);
        Assert.Single(claims, claim => claim.Endpoint == other);

        // At its cap, the busy endpoint's 48 due messages are not even looked at: one claim slot goes to the other endpoint.
        await queue.EnqueueAsync(other, 10, "message.created", "{}"u8.ToArray(), null);
        Assert.Equal(10, Assert.Single(await queue.ClaimAsync(1), claim => claim.Endpoint == other).EventId);

        // Finishing one frees one slot for the next due message of the busy endpoint, with no waiting.
        await queue.CompleteAsync(busyClaims[0], DeliveryOutcome.Succeeded);
        var next = Assert.Single(await ClaimMine(queue, busy));
        Assert.DoesNotContain(next.EventId, busyClaims.Select(claim => claim.EventId));
        Assert.Empty(await ClaimMine(queue, busy));
        Assert.Equal(49, await queue.PendingAsync(busy));
    }

    [Fact]
    public async Task A_claim_carries_the_message_and_the_endpoints_revision()
    {
        var (queue, _) = Create();
        var endpoint = Endpoint();
        await queue.EnqueueAsync(endpoint, 3, "message.created", "{\"id\":3}"u8.ToArray(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var claim = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.Equal("{\"id\":3}", System.Text.Encoding.UTF8.GetString(claim.Json));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", claim.TraceParent);
        var stored = await new EndpointStore(redis.Connection, TimeProvider.System).GetAsync(endpoint);
        Assert.Equal(stored!.Revision, claim.EndpointRevision);
        Assert.True(claim.EndpointRevision >= 1);
    }

    [Fact]
    public async Task Completing_a_claim_can_claim_the_next_due_delivery_in_the_same_round_trip()
    {
        var (queue, clock) = Create(cap: 1);
        var endpoint = Endpoint();
        for (var i = 1; i <= 3; i++)
        {
            await queue.EnqueueAsync(endpoint, i, "message.created", "{}"u8.ToArray(), null);
        }

        var first = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.Empty(await ClaimMine(queue, endpoint)); // the cap of 1 is taken

        var (done, next) = await queue.CompleteAsync(first, DeliveryOutcome.Succeeded, null, null, claimNext: 1);
        Assert.True(done);
        var second = Assert.Single(next);
        Assert.Equal(endpoint, second.Endpoint);
        Assert.NotEqual(first.EventId, second.EventId);
        Assert.Empty(await ClaimMine(queue, endpoint)); // the chained claim holds the slot

        // Not asking for more leaves the last one to the dispatcher.
        (done, next) = await queue.CompleteAsync(second, DeliveryOutcome.Retry, clock.Now + TimeSpan.FromMinutes(1), null, claimNext: 0);
        Assert.True(done);
        Assert.Empty(next);
        var third = Assert.Single(await ClaimMine(queue, endpoint));
        Assert.DoesNotContain(third.EventId, new[] { first.EventId, second.EventId });
    }

    [Fact]
    public async Task One_enqueue_schedules_an_event_for_several_endpoints_once()
    {
        var (queue, _) = Create();
        string[] endpoints = [Endpoint(), Endpoint(), Endpoint()];
        Assert.Equal(3, await queue.EnqueueAsync(endpoints, 21, "message.created", "{}"u8.ToArray(), null));
        Assert.Equal(1, await queue.EnqueueAsync([.. endpoints, Endpoint()], 21, "message.created", "{}"u8.ToArray(), null));
        var claims = await queue.ClaimAsync(100);
        Assert.All(endpoints, endpoint => Assert.Single(claims, claim => claim.Endpoint == endpoint && claim.EventId == 21));
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

    [Fact]
    public async Task The_attempt_logs_keep_their_newest_attempts_up_to_their_bounds()
    {
        var options = new IntegrationOptions();
        options.Attempts.MaxPerEndpoint = 3;
        options.Attempts.MaxPerMessage = 2;
        var (queue, clock) = Create(options: options);
        var endpoint = Endpoint();
        await queue.EnqueueAsync(endpoint, 30, "message.created", "{}"u8.ToArray(), null);
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var claim = Assert.Single(await ClaimMine(queue, endpoint));
            var record = AttemptLog.Serialize(new AttemptRecord(
                endpoint, 30, claim.Attempt, clock.Now, 500, 1, false, AttemptErrors.HttpStatus, "HTTP 500", null, clock.Now));
            await queue.CompleteAsync(claim, DeliveryOutcome.Retry, clock.Now, record);
        }

        var log = new AttemptLog(redis.Connection);
        Assert.Equal([4, 3], (await log.ForMessageAsync(endpoint, 30, 100)).Select(attempt => attempt.Attempt));
        Assert.Equal([4, 3, 2], (await log.ForEndpointAsync(endpoint, 100)).Select(attempt => attempt.Attempt));
    }
}
