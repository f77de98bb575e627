using System.Net;
using System.Net.Sockets;
using ChatMesh.Chat.Tests.Redis;
using ChatMesh.Integration.Attempts;
using ChatMesh.Integration.Delivery;
using ChatMesh.Integration.Endpoints;
using ChatMesh.Integration.Operations;
using ChatMesh.Integration.Ssrf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Tests.Delivery;

/// <summary>What happens after a failed attempt, against real Redis and a real (refused) connection.</summary>
[Collection(nameof(DeliveryScheduleCollection))]
public sealed class DeliveryProcessorTests(RedisServerFixture redis) : IDisposable
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ServiceProvider metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ManualClock clock = new(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(Random.Shared.Next(1, 1_000_000)));

    private OperationalEventLog? operational;

    private async Task<OperationalEvent[]> OperationalEventsAsync(string endpoint) =>
        [.. (await operational!.ListAsync("owner", 1000)).Where(e => e.Endpoint == endpoint)];

    private (DeliveryProcessor Processor, DeliveryQueue Queue, EndpointStore Endpoints, AttemptLog Log, WebhookSender Sender) Create(TimeSpan? disableAfter = null)
    {
        var options = Options.Create(new IntegrationOptions
        {
            Delivery = new DeliveryOptions
            {
                RetrySchedule = "0s,1s", Timeout = TimeSpan.FromSeconds(2), VisibilityTimeout = TimeSpan.FromSeconds(10),
                DisableAfter = disableAfter ?? new DeliveryOptions().DisableAfter,
            },
            Ssrf = new SsrfOptions { AllowedRanges = ["127.0.0.0/8"], RequireHttps = false },
        });
        // Earlier tests' leftovers stay out of this one's claims (the collection runs one test at a time).
        redis.Connection.GetDatabase().KeyDelete("wh:ready");
        var queue = new DeliveryQueue(redis.Connection, options, clock);
        var endpoints = new EndpointStore(redis.Connection, clock);
        var log = new AttemptLog(redis.Connection);
        var sender = new WebhookSender(new GuardedConnector(new TargetPolicy(options.Value.Ssrf), new DnsHostResolver()), options, clock);
        operational = new OperationalEventLog(redis.Connection, options);
        var processor = new DeliveryProcessor(
            queue, endpoints, sender, Telemetry(),
            operational, options, clock, NullLogger<DeliveryProcessor>.Instance);
        return (processor, queue, endpoints, log, sender);
    }

    private WebhookTelemetry Telemetry()
    {
        var meters = metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        return new WebhookTelemetry(meters, new Chat.Telemetry.DeliveryMetrics(meters, clock));
    }

    private static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/hook";
    }

    private WebhookEndpoint Endpoint(DateTimeOffset? failingSince = null) => new(
        EndpointStore.NewId(), "owner", ClosedPortUrl(), null, null, null, true, null, clock.Now, failingSince,
        Chat.Webhooks.WebhookSecret.Generate().Encode(), null, null);

    private static async Task<DeliveryClaim> ClaimAsync(DeliveryQueue queue, string endpoint) =>
        (await queue.ClaimAsync(100)).Single(claim => claim.Endpoint == endpoint);

    [Fact]
    public async Task Failures_are_retried_on_the_schedule_then_the_message_fails_and_the_endpoint_stays_enabled()
    {
        var (processor, queue, endpoints, log, sender) = Create();
        using var _ = sender;
        var endpoint = Endpoint();
        await endpoints.SaveAsync(endpoint);
        await queue.EnqueueAsync(endpoint.Id, 5, "message.created", "{\"id\":5}"u8.ToArray(), null);

        await processor.ProcessAsync(await ClaimAsync(queue, endpoint.Id), TestContext.Current.CancellationToken);
        var first = Assert.Single(await log.ForMessageAsync(endpoint.Id, 5, 10));
        Assert.Equal(AttemptErrors.Connection, first.Error);
        Assert.InRange((first.NextAttemptAt!.Value - clock.Now).TotalMilliseconds, 800, 1200);
        Assert.Equal("pending", (await queue.GetAsync(endpoint.Id, 5))!.Status);

        clock.Now += TimeSpan.FromSeconds(2);
        await processor.ProcessAsync(await ClaimAsync(queue, endpoint.Id), TestContext.Current.CancellationToken);
        Assert.Equal("failed", (await queue.GetAsync(endpoint.Id, 5))!.Status);
        Assert.Equal(2, (await log.ForEndpointAsync(endpoint.Id, 10)).Count);
        Assert.Null((await log.ForMessageAsync(endpoint.Id, 5, 10))[0].NextAttemptAt);

        // The owner is told, once: an operational event names the message and its attempts.
        var exhausted = Assert.Single(await OperationalEventsAsync(endpoint.Id));
        Assert.Equal((OperationalEventTypes.AttemptExhausted, 5L, 2), (exhausted.Type, exhausted.EventId, exhausted.Attempts));
        Assert.Equal(clock.Now, exhausted.At);

        var after = (await endpoints.GetAsync(endpoint.Id))!;
        Assert.True(after.Enabled);
        Assert.Equal(clock.Now - TimeSpan.FromSeconds(2), after.FailingSince);
    }

    [Fact]
    public async Task An_endpoint_failing_for_longer_than_DisableAfter_is_disabled()
    {
        var (processor, queue, endpoints, _, sender) = Create();
        using var _ = sender;
        var endpoint = Endpoint(failingSince: clock.Now - TimeSpan.FromDays(6));
        await endpoints.SaveAsync(endpoint);
        await queue.EnqueueAsync(endpoint.Id, 6, "message.created", "{\"id\":6}"u8.ToArray(), null);

        await processor.ProcessAsync(await ClaimAsync(queue, endpoint.Id), TestContext.Current.CancellationToken);

        var after = (await endpoints.GetAsync(endpoint.Id))!;
        Assert.False(after.Enabled);
        Assert.Equal("failing", after.DisabledReason);
        Assert.Equal("failed", (await queue.GetAsync(endpoint.Id, 6))!.Status);
        var events = await OperationalEventsAsync(endpoint.Id);
        Assert.Contains(events, e => e.Type == OperationalEventTypes.EndpointDisabled && e.Reason == "failing");
        Assert.Contains(events, e => e.Type == OperationalEventTypes.AttemptExhausted && e.EventId == 6);
    }

    [Fact]
    public async Task Shutting_down_mid_attempt_hands_the_delivery_back_at_once_and_the_attempt_does_not_count()
    {
        var (processor, queue, endpoints, log, sender) = Create();
        using var _ = sender;

        // A receiver that accepts the connection and never answers.
        using var hanging = new TcpListener(IPAddress.Loopback, 0);
        hanging.Start();
        var endpoint = Endpoint() with { Url = $"http://127.0.0.1:{((IPEndPoint)hanging.LocalEndpoint).Port}/hook" };
        await endpoints.SaveAsync(endpoint);
        await queue.EnqueueAsync(endpoint.Id, 12, "message.created", "{}"u8.ToArray(), null);
        var claim = await ClaimAsync(queue, endpoint.Id);

        using var stopping = new CancellationTokenSource();
        var processing = processor.ProcessAsync(claim, stopping.Token, takeNext: true);
        using (var accepted = await hanging.AcceptTcpClientAsync(TestContext.Current.CancellationToken))
        {
            await stopping.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => processing);
        }

        var message = (await queue.GetAsync(endpoint.Id, 12))!;
        Assert.Equal(("pending", 0), (message.Status, message.Attempts));
        Assert.Empty(await log.ForMessageAsync(endpoint.Id, 12, 10));
        var again = await ClaimAsync(queue, endpoint.Id); // due at once, for the next worker
        Assert.Equal(1, again.Attempt);
    }

    [Fact]
    public async Task DisableAfter_is_configurable()
    {
        var (processor, queue, endpoints, _, sender) = Create(disableAfter: TimeSpan.FromHours(1));
        using var _ = sender;
        var recent = Endpoint(failingSince: clock.Now - TimeSpan.FromMinutes(30));
        var sustained = Endpoint(failingSince: clock.Now - TimeSpan.FromMinutes(61));
        foreach (var endpoint in new[] { recent, sustained })
        {
            await endpoints.SaveAsync(endpoint);
            await queue.EnqueueAsync(endpoint.Id, 9, "message.created", "{}"u8.ToArray(), null);
            await processor.ProcessAsync(await ClaimAsync(queue, endpoint.Id), TestContext.Current.CancellationToken);
        }

        Assert.True((await endpoints.GetAsync(recent.Id))!.Enabled);
        Assert.Equal("pending", (await queue.GetAsync(recent.Id, 9))!.Status);
        Assert.False((await endpoints.GetAsync(sustained.Id))!.Enabled);
        Assert.Equal("failing", Assert.Single(await OperationalEventsAsync(sustained.Id), e => e.Type == OperationalEventTypes.EndpointDisabled).Reason);
    }

    [Fact]
    public async Task A_deleted_endpoints_deliveries_are_dropped()
    {
        var (processor, queue, endpoints, _, sender) = Create();
        using var _ = sender;
        var endpoint = Endpoint();
        await endpoints.SaveAsync(endpoint);
        await queue.EnqueueAsync(endpoint.Id, 7, "message.created", "{}"u8.ToArray(), null);
        await queue.EnqueueAsync(endpoint.Id, 8, "message.created", "{}"u8.ToArray(), null);
        var claim = (await queue.ClaimAsync(100)).First(claim => claim.Endpoint == endpoint.Id && claim.EventId == 7);
        await endpoints.DeleteAsync(endpoint);

        // Deleted while claimed: the worker drops it; deleted before its turn: never claimed.
        await processor.ProcessAsync(claim, TestContext.Current.CancellationToken);
        Assert.Null(await queue.GetAsync(endpoint.Id, 7));
        clock.Now += TimeSpan.FromMinutes(1);
        Assert.DoesNotContain(await queue.ClaimAsync(100), claim => claim.Endpoint == endpoint.Id);
        Assert.Equal(0, await queue.PendingAsync(endpoint.Id));
    }

    public void Dispose() => metrics.Dispose();
}

/// <summary>The delivery schedule is shared Redis state (<c>wh:ready</c>): tests that claim from it run one class at a time.</summary>
[CollectionDefinition(nameof(DeliveryScheduleCollection))]
public sealed class DeliveryScheduleCollection;
