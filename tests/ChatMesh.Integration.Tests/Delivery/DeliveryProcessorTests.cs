using System.Net;
using System.Net.Sockets;
using ChatMesh.Chat.Tests.Redis;
using ChatMesh.Integration.Attempts;
using ChatMesh.Integration.Delivery;
using ChatMesh.Integration.Endpoints;
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

    private (DeliveryProcessor Processor, DeliveryQueue Queue, EndpointStore Endpoints, AttemptLog Log, WebhookSender Sender) Create()
    {
        var options = Options.Create(new IntegrationOptions
        {
            Delivery = new DeliveryOptions { RetrySchedule = "0s,1s", Timeout = TimeSpan.FromSeconds(2), VisibilityTimeout = TimeSpan.FromSeconds(10) },
            Ssrf = new SsrfOptions { AllowedRanges = ["127.0.0.0/8"], RequireHttps = false },
        });
        var queue = new DeliveryQueue(redis.Connection, options, clock);
        var endpoints = new EndpointStore(redis.Connection, clock);
        var log = new AttemptLog(redis.Connection, options);
        var sender = new WebhookSender(new GuardedConnector(new TargetPolicy(options.Value.Ssrf), new DnsHostResolver()), options, clock);
        var processor = new DeliveryProcessor(
            queue, endpoints, sender, log, Telemetry(),
            options, clock, NullLogger<DeliveryProcessor>.Instance);
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
    }

    [Fact]
    public async Task A_deleted_endpoints_deliveries_are_dropped()
    {
        var (processor, queue, endpoints, _, sender) = Create();
        using var _ = sender;
        var endpoint = Endpoint();
        await endpoints.SaveAsync(endpoint);
        await queue.EnqueueAsync(endpoint.Id, 7, "message.created", "{}"u8.ToArray(), null);
        await endpoints.DeleteAsync(endpoint);

        await processor.ProcessAsync(await ClaimAsync(queue, endpoint.Id), TestContext.Current.CancellationToken);

        Assert.Null(await queue.GetAsync(endpoint.Id, 7));
        clock.Now += TimeSpan.FromMinutes(1);
        Assert.DoesNotContain(await queue.ClaimAsync(100), claim => claim.Endpoint == endpoint.Id);
    }

    public void Dispose() => metrics.Dispose();
}

/// <summary>The delivery schedule is one Redis sorted set: tests that claim from it run one class at a time.</summary>
[CollectionDefinition(nameof(DeliveryScheduleCollection))]
public sealed class DeliveryScheduleCollection;
