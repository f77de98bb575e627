using ChatMesh.Integration.Attempts;
using ChatMesh.Integration.Endpoints;
using ChatMesh.Integration.Operations;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Delivery;

/// <summary>
/// Runs one claimed delivery: sends it, logs the attempt, and decides what comes next — done, a retry on the schedule
/// (or after the receiver's Retry-After), failed when exhausted, or the endpoint disabled (410 Gone, failing for too long).
/// </summary>
public sealed partial class DeliveryProcessor(
    DeliveryQueue queue,
    EndpointStore endpoints,
    WebhookSender sender,
    WebhookTelemetry telemetry,
    OperationalEventLog operational,
    IOptions<IntegrationOptions> options,
    TimeProvider time,
    ILogger<DeliveryProcessor> logger)
{
    private readonly IReadOnlyList<TimeSpan> schedule = RetrySchedule.Parse(options.Value.Delivery.RetrySchedule);

    /// <summary>
    /// Runs the claim; with <paramref name="takeNext"/>, the same round trip that ends it claims this worker's next delivery
    /// (returned; null when nothing is due or the slot is better left to the dispatcher).
    /// </summary>
    public async Task<DeliveryClaim?> ProcessAsync(DeliveryClaim claim, CancellationToken cancellationToken, bool takeNext = false)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var claimNext = takeNext && !cancellationToken.IsCancellationRequested ? 1 : 0;
        var endpoint = await endpoints.GetAsync(claim.Endpoint, claim.EndpointRevision);
        if (endpoint is null)
        {
            // The endpoint was deleted meanwhile: nothing to send, nothing to keep.
            await queue.DropAsync(claim);
            return null;
        }

        if (!endpoint.Enabled)
        {
            // Turned off meanwhile: the message fails without an attempt and can be replayed once re-enabled.
            return (await queue.CompleteAsync(claim, DeliveryOutcome.Failed, null, null, claimNext)).Next.FirstOrDefault();
        }

        using var activity = WebhookTelemetry.StartDelivery(claim.TraceParent, claim.Endpoint, claim.EventId, claim.Attempt);
        SendResult result;
        try
        {
            result = await sender.SendAsync(endpoint, claim.EventId, claim.Json, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await queue.CompleteAsync(claim, DeliveryOutcome.Released);
            throw;
        }

        activity.SetTag("http.response.status_code", result.Status);
        activity.SetTag("webhook.outcome", result.Error ?? "success");
        telemetry.Attempted(claim, result);

        var now = time.GetUtcNow();
        var (outcome, next) = await DecideAsync(endpoint, claim, result, now);
        var attempt = AttemptLog.Serialize(new AttemptRecord(
            claim.Endpoint, claim.EventId, claim.Attempt, now, result.Status, result.LatencyMs, result.Success,
            result.Error, result.ErrorDetail, result.Body, next));
        var (done, following) = await queue.CompleteAsync(claim, outcome, next, attempt, claimNext);
        if (!done)
        {
            LogLostClaim(logger, claim.Endpoint, claim.EventId);
        }

        return following.FirstOrDefault();
    }

    private async Task<(DeliveryOutcome Outcome, DateTimeOffset? Next)> DecideAsync(
        WebhookEndpoint endpoint, DeliveryClaim claim, SendResult result, DateTimeOffset now)
    {
        if (result.Success)
        {
            if (endpoint.FailingSince is not null)
            {
                // The claim's revision is current, so a failing streak started meanwhile shows here too.
                await endpoints.RecordSuccessAsync(endpoint.Id);
            }

            return (DeliveryOutcome.Succeeded, null);
        }

        var delivery = options.Value.Delivery;
        if (result.Status == StatusCodes.Status410Gone)
        {
            await DisableAsync(endpoint, "gone", "the receiver answered 410 Gone", now);
            return await ExhaustedAsync(endpoint, claim, now);
        }

        var failingSince = await endpoints.RecordFailureAsync(endpoint.Id);
        if (now - failingSince >= delivery.DisableAfter)
        {
            await DisableAsync(endpoint, "failing", $"every attempt failed since {failingSince:O}", now);
            return await ExhaustedAsync(endpoint, claim, now);
        }

        if (RetrySchedule.DelayBefore(schedule, claim.Attempt + 1, delivery.Jitter, Random.Shared) is not { } delay)
        {
            return await ExhaustedAsync(endpoint, claim, now);
        }

        if (result.RetryAfter is { } retryAfter)
        {
            var bounded = retryAfter < delivery.MaxRetryAfter ? retryAfter : delivery.MaxRetryAfter;
            delay = bounded > delay ? bounded : delay;
        }

        return (DeliveryOutcome.Retry, now + delay);
    }

    private async Task DisableAsync(WebhookEndpoint endpoint, string reason, string why, DateTimeOffset now)
    {
        await endpoints.DisableAsync(endpoint.Id, reason);
        LogDisabled(logger, endpoint.Id, why);
        await operational.RecordAsync(endpoint.Owner, new OperationalEvent(OperationalEventTypes.EndpointDisabled, endpoint.Id, now, Reason: reason));
    }

    private async Task<(DeliveryOutcome, DateTimeOffset?)> ExhaustedAsync(WebhookEndpoint endpoint, DeliveryClaim claim, DateTimeOffset now)
    {
        telemetry.MessageFailed();
        LogFailed(logger, endpoint.Id, endpoint.Owner, claim.EventId, claim.Attempt);
        await operational.RecordAsync(endpoint.Owner, new OperationalEvent(
            OperationalEventTypes.AttemptExhausted, endpoint.Id, now, claim.EventId, claim.Attempt));
        return (DeliveryOutcome.Failed, null);
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning,
        Message = "Webhook message failed: endpoint {Endpoint} (owner {Owner}), event {EventId}, after {Attempts} attempts")]
    private static partial void LogFailed(ILogger logger, string endpoint, string owner, long eventId, int attempts);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Webhook endpoint {Endpoint} disabled: {Reason}")]
    private static partial void LogDisabled(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information,
        Message = "Webhook claim on endpoint {Endpoint}, event {EventId} was lost (visibility timeout); another worker owns it")]
    private static partial void LogLostClaim(ILogger logger, string endpoint, long eventId);
}
