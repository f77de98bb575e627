using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Integration.Delivery;

/// <summary>
/// The delivery span and the webhook metrics: attempts by outcome, delivered events and their commit-to-2xx latency
/// on the shared <see cref="DeliveryMetrics"/> (channel <c>webhook</c>); attempt duration and exhausted messages here.
/// </summary>
public sealed class WebhookTelemetry
{
    private const string Success = "success";

    private readonly DeliveryMetrics delivery;
    private readonly Counter<long> failedMessages;
    private readonly Histogram<double> attemptDuration;

    public WebhookTelemetry(IMeterFactory meterFactory, DeliveryMetrics delivery)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(delivery);
        this.delivery = delivery;
        var meter = meterFactory.Create(ChatTelemetry.Name);
        failedMessages = meter.CreateCounter<long>("chatmesh.webhooks.messages_failed", "{message}", "Messages that exhausted their retries.");
        attemptDuration = meter.CreateHistogram<double>("chatmesh.webhooks.attempt.duration", "s", "Duration of one attempt (request to response or error).");
    }

    /// <summary>Accounts one attempt of the claimed delivery; a 2xx delivers it.</summary>
    public void Attempted(DeliveryClaim claim, SendResult result)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(result);
        delivery.WebhookAttempt(result.Error ?? Success);
        attemptDuration.Record(result.LatencyMs / 1000.0);
        if (result.Success)
        {
            // Commit to the receiver's 2xx, retries included.
            delivery.Delivered(DeliveryChannels.Webhook, claim.EventId, claim.Json, measureLatency: true);
        }
    }

    public void MessageFailed() => failedMessages.Add(1);

    /// <summary>The span of one attempt, child of the trace the event was published in (so a send shows end to end).</summary>
    public static Activity StartDelivery(string? traceParent, string endpoint, long eventId, int attempt)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = ChatTelemetry.Source.StartActivity(DeliveryTracing.SpanName(DeliveryChannels.Webhook), ActivityKind.Internal, parent)
            // No listener (telemetry off): still start one, so the HTTP call carries a traceparent.
            ?? StartUnlistened(traceParent);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(DeliveryChannels.TagName, DeliveryChannels.Webhook);
            activity.SetTag("chatmesh.event_id", eventId);
            activity.SetTag("webhook.endpoint", endpoint);
            activity.SetTag("webhook.id", eventId);
            activity.SetTag("webhook.attempt", attempt);
        }

        return activity;
    }

    private static Activity StartUnlistened(string? traceParent)
    {
        var activity = new Activity(DeliveryTracing.SpanName(DeliveryChannels.Webhook));
        if (!string.IsNullOrEmpty(traceParent))
        {
            activity.SetParentId(traceParent);
        }

        return activity.Start();
    }
}
