using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>One WebSocket send is one trace across the services that carried it.</summary>
public sealed class TracingTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task One_websocket_send_is_one_trace_across_at_least_four_services()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        var room = await alice.CreateRoomAsync();
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        var secret = $"secret text {Guid.NewGuid():N}";

        await ws.SendAsync(new { type = "send", @ref = "traced", room, text = secret });
        var ack = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack");
        var eventId = ack.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);

        CollectedSpan send;
        try
        {
            send = await WaitForAsync(() => fixture.Traces.Spans.FirstOrDefault(span =>
                span.Name == "ws send" && span.Attributes.GetValueOrDefault("chatmesh.event_id") == eventId));
        }
        catch (TimeoutException)
        {
            var seen = fixture.Traces.Spans.Select(span => $"{span.Service}:{span.Name}").Distinct().Take(40);
            throw new TimeoutException($"No 'ws send' span for event {eventId}. Spans seen: {string.Join(", ", seen)}");
        }

        string[] expected = ["gateway", "notification", "legacy", "integration"];
        try
        {
            await WaitForAsync(() => expected.All(service => Trace(send.TraceId).Any(span => span.Service.StartsWith(service, StringComparison.Ordinal))) ? send : null);
        }
        catch (TimeoutException)
        {
            var seen = Trace(send.TraceId).Select(span => $"{span.Service}:{span.Name}").Distinct();
            throw new TimeoutException($"The trace reached only: {string.Join(", ", seen)}");
        }

        var trace = Trace(send.TraceId);
        Assert.Equal("gateway", send.Service.Split('-')[0]);
        Assert.Contains(trace, span => span.Name == "outbox publish");
        Assert.Contains(trace, span => span.Name == "live dispatch");
        Assert.DoesNotContain(trace, span => span.Attributes.Values.Any(value => value.Contains(secret, StringComparison.Ordinal)));
        Assert.DoesNotContain(trace, span => span.Attributes.Values.Any(value => value.Contains(alice.Token, StringComparison.Ordinal)));
    }

    private List<CollectedSpan> Trace(string traceId) => [.. fixture.Traces.Spans.Where(span => span.TraceId == traceId)];

    private static async Task<T> WaitForAsync<T>(Func<T?> probe) where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }

            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("Not within 30 s.");
            }
        }
    }
}
