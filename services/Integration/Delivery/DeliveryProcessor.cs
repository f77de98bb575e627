using ChatMesh.Integration.Attempts;
using ChatMesh.Integration.Endpoints;
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
    AttemptLog attempts,
    WebhookTelemetry telemetry,
    IOptions<IntegrationOptions> options,
    TimeProvider time,
    ILogger<DeliveryProcessor> logger)
{
    private readonly IReadOnlyList<TimeSpan> schedule = RetrySchedule.Parse(options.Value.Delivery.RetrySchedule);

    public async Task ProcessAsync(DeliveryClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var message = await queue.GetAsync(claim.Endpoint, claim.EventId);
        var endpoint = await endpoints.GetAsync(claim.Endpoint);
        if (message is null || endpoint is null)
        {
            // The endpoint was deleted (or the message expired) meanwhile: nothing to send, nothing to keep.
            await queue.DropAsync(claim);
            return;
        }

        if (!endpoint.Enabled)
        {
            // Turned off meanwhile: the message fails without an attempt and can be replayed once re-enabled.
            await queue.CompleteAsync(claim, DeliveryOutcome.Failed);
            return;
        }

        using var activity = WebhookTelemetry.StartDelivery(message.TraceParent, claim.Endpoint, claim.EventId, claim.Attempt);
        SendResult result;
        try
        {
            result = await sender.SendAsync(endpoint, claim.EventId, message.Json, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await queue.CompleteAsync(claim, DeliveryOutcome.Released);
            throw;
        }

        activity.SetTag("http.response.status_code", result.Status);
        activity.SetTag("webhook.outcome", result.Error ?? "success");
        telemetry.Attempted(message, result);

        var now = time.GetUtcNow();
        var (outcome, next) = await DecideAsync(endpoint, claim, result, now);
        await attempts.RecordAsync(new AttemptRecord(
            claim.Endpoint, claim.EventId, claim.Attempt, now, result.Status, result.LatencyMs, result.Success,
            result.Error, result.ErrorDetail, result.Body, next));
        if (!await queue.CompleteAsync(claim, outcome, next))
        {
            LogLostClaim(logger, claim.Endpoint, claim.EventId);
        }
    }

    private async Task<(DeliveryOutcome Outcome, DateTimeOffset? Next)> DecideAsync(
        WebhookEndpoint endpoint, DeliveryClaim claim, SendResult result, DateTimeOffset now)
    {
        if (result.Success)
        {
            if (endpoint.FailingSince is not null)
            {
                await endpoints.RecordSuccessAsync(endpoint.Id);
            }

            return (DeliveryOutcome.Succeeded, null);
        }

        var delivery = options.Value.Delivery;
        if (result.Status == StatusCodes.Status410Gone)
        {
            await endpoints.DisableAsync(endpoint.Id, "gone");
            LogDisabled(logger, endpoint.Id, "the receiver answered 410 Gone");
            return Exhausted(endpoint, claim);
        }

        var failingSince = await endpoints.RecordFailureAsync(endpoint.Id);
        if (now - failingSince >= delivery.DisableAfter)
        {
            await endpoints.DisableAsync(endpoint.Id, "failing");
            LogDisabled(logger, endpoint.Id, $"every attempt failed since {failingSince:O}");
            return Exhausted(endpoint, claim);
        }

        if (RetrySchedule.DelayBefore(schedule, claim.Attempt + 1, delivery.Jitter, Random.Shared) is not { } delay)
        {
            return Exhausted(endpoint, claim);
        }

        if (result.RetryAfter is { } retryAfter)
        {
            var bounded = retryAfter < delivery.MaxRetryAfter ? retryAfter : delivery.MaxRetryAfter;
            delay = bounded > delay ? bounded : delay;
        }

        return (DeliveryOutcome.Retry, now + delay);
    }

    private (DeliveryOutcome, DateTimeOffset?) Exhausted(WebhookEndpoint endpoint, DeliveryClaim claim)
    {
        telemetry.MessageFailed();
        LogFailed(logger, endpoint.Id, endpoint.Owner, claim.EventId, claim.Attempt);
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
