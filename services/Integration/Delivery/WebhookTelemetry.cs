using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChatMesh.Integration.Delivery;

/// <summary>The delivery span and the webhook metrics, on the <c>ChatMesh</c> ActivitySource and Meter.</summary>
public sealed class WebhookTelemetry : IDisposable
{
    public const string Name = "ChatMesh";

    public static readonly ActivitySource Source = new(Name);

    private readonly Meter meter;

    public WebhookTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        meter = meterFactory.Create(Name);
        Attempts = meter.CreateCounter<long>("chatmesh.webhooks.attempts", description: "Webhook delivery attempts, by outcome.");
        FailedMessages = meter.CreateCounter<long>("chatmesh.webhooks.messages_failed", description: "Messages that exhausted their retries.");
        Latency = meter.CreateHistogram<double>("chatmesh.webhooks.attempt_duration", unit: "ms", description: "Duration of one attempt.");
    }

    public Counter<long> Attempts { get; }

    public Counter<long> FailedMessages { get; }

    public Histogram<double> Latency { get; }

    /// <summary>The span of one attempt, child of the trace the event was published in (so a send shows end to end).</summary>
    public static Activity StartDelivery(string? traceParent, string endpoint, long eventId, int attempt)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = Source.StartActivity("webhook deliver", ActivityKind.Internal, parent)
            // No listener (telemetry off): still start one, so the HTTP call carries a traceparent.
            ?? StartUnlistened(traceParent);
        activity.SetTag("webhook.endpoint", endpoint);
        activity.SetTag("webhook.id", eventId);
        activity.SetTag("webhook.attempt", attempt);
        return activity;
    }

    private static Activity StartUnlistened(string? traceParent)
    {
        var activity = new Activity("webhook deliver");
        if (!string.IsNullOrEmpty(traceParent))
        {
            activity.SetParentId(traceParent);
        }

        return activity.Start();
    }

    public void Dispose() => meter.Dispose();
}
