using ChatMesh.EndToEnd.Tests.Webhooks;

namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>Logs reach the dashboard structured and in the trace of the action they are about.</summary>
public sealed class LogTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task A_webhook_that_fails_for_good_logs_a_warning_in_the_trace_of_the_send()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "whlog");
        // 410 Gone fails the message for good at its first attempt (and disables the endpoint): no wait for the retry schedule.
        await owner.RegisterAsync(receiver.Path("gone", WebhookReceiver.Status(410)), eventTypes: ["message.created"]);

        var id = await owner.SendOverWebSocketAsync(fixture, "this hook always fails");
        var eventId = id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var send = await Eventually.FindAsync(
            () => fixture.Telemetry.Spans.FirstOrDefault(span => span.Name == "ws send" && span.Attributes.GetValueOrDefault("chatmesh.event_id") == eventId),
            () => "No 'ws send' span for the event.");
        var log = await Eventually.FindAsync(
            () => fixture.Telemetry.Logs.FirstOrDefault(record => record.Attributes.GetValueOrDefault("EventId") == eventId && record.Body.Contains("Webhook message failed", StringComparison.Ordinal)),
            () => $"No 'Webhook message failed' log for event {eventId}; {fixture.Telemetry.Logs.Count} logs seen from " +
                  string.Join(", ", fixture.Telemetry.Logs.Select(record => record.Resource.Service).Distinct()));

        Assert.StartsWith("integration", log.Resource.Service, StringComparison.Ordinal);
        Assert.Equal(13, log.Severity); // WARN
        Assert.Equal(send.TraceId, log.TraceId);
        // The span the warning was written in ends (and is exported) just after it.
        var deliver = await Eventually.FindAsync(
            () => fixture.Telemetry.Spans.FirstOrDefault(span => span.SpanId == log.SpanId),
            () => $"No span {log.SpanId} (the log's) was exported.");
        Assert.Equal("webhook deliver", deliver.Name);
        Assert.Equal("1", log.Attributes["Attempts"]);
    }
}
