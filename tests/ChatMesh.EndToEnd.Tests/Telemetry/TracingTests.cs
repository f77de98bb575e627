using System.Globalization;
using ChatMesh.EndToEnd.Tests.Sse;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>One WebSocket send is one trace across the services that carried it, down to each write to a recipient.</summary>
public sealed class TracingTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task One_websocket_send_is_one_trace_across_at_least_four_services_down_to_each_recipients_write()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);

        // Bob listens over a WebSocket, SSE and NDJSON.
        await using var bobWs = await WsClient.ConnectAsync(fixture, bob.Token);
        await bobWs.SendAsync(new { type = "subscribe" });
        await bobWs.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
        using var http = StreamClients.Create(fixture);
        await using var bobSse = await SseClient.ConnectAsync(http, "/sse", bob.Token);
        await using var bobNdjson = await NdjsonClient.ConnectAsync(http, "/stream", bob.Token);

        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        var secret = $"secret text {Guid.NewGuid():N}";
        await ws.SendAsync(new { type = "send", @ref = "traced", room, text = secret });
        var ack = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack");
        var id = ack.GetProperty("id").GetInt64();
        var eventId = id.ToString(CultureInfo.InvariantCulture);
        await bobWs.WaitForAsync(frame => frame.TryGetProperty("id", out var got) && got.GetInt64() == id);
        await bobSse.WaitForAsync(e => e.Id == eventId);
        await bobNdjson.WaitForAsync(line => NdjsonClient.Id(line) == id);

        var send = await Eventually.FindAsync(
            () => fixture.Telemetry.Spans.FirstOrDefault(span => span.Name == "ws send" && span.Attributes.GetValueOrDefault("chatmesh.event_id") == eventId),
            () => $"No 'ws send' span for event {eventId}. Spans seen: {string.Join(", ", fixture.Telemetry.Spans.Select(span => $"{span.Service}:{span.Name}").Distinct().Take(40))}");

        // Every write to Bob is in the send's trace, under the dispatch that queued it. (A write may end, and be
        // exported, before its dispatch span does: wait for both. Likewise the outbox publish, which ends only at the
        // broker's confirm: a gateway that dispatches its own commit at once writes to Bob before it even starts.)
        string[] writes = ["ws push", "sse write", "ndjson write"];
        string[] services = ["gateway", "notification", "legacy", "integration"];
        await Eventually.TrueAsync(
            () => writes.All(name => Trace(send.TraceId).Any(span => span.Name == name
                    && Trace(send.TraceId).Any(parent => parent.SpanId == span.ParentSpanId && parent.Name == "live dispatch")))
                && services.All(service => Trace(send.TraceId).Any(span => span.Service.StartsWith(service, StringComparison.Ordinal)))
                && Trace(send.TraceId).Any(span => span.Name == "outbox publish"),
            () => $"The trace holds only: {string.Join(", ", Trace(send.TraceId).Select(span => $"{span.Service}:{span.Name}:{span.SpanId}<{span.ParentSpanId}"))}");

        var trace = Trace(send.TraceId);
        Assert.Equal("gateway", send.Service.Split('-')[0]);
        Assert.Contains(trace, span => span.Name == "outbox publish");
        Assert.Contains(trace, span => span.Name == "live dispatch");
        AssertWrite(trace, "ws push", "gateway", "websocket", eventId, room);
        AssertWrite(trace, "sse write", "notification", "sse", eventId, room);
        AssertWrite(trace, "ndjson write", "notification", "ndjson", eventId, room);
        Assert.DoesNotContain(trace, span => span.Attributes.Values.Any(value => value.Contains(secret, StringComparison.Ordinal)));
        Assert.DoesNotContain(trace, span => span.Attributes.Values.Any(value => value.Contains(alice.Token, StringComparison.Ordinal) || value.Contains(bob.Token, StringComparison.Ordinal)));
    }

    /// <summary>The write span of one recipient: the right service, tagged with the channel, event and room, child of a span of the same trace.</summary>
    private static void AssertWrite(List<CollectedSpan> trace, string name, string service, string channel, string eventId, string room)
    {
        var write = Assert.Single(trace, span => span.Name == name);
        Assert.StartsWith(service, write.Service, StringComparison.Ordinal);
        Assert.Equal(channel, write.Attributes["chatmesh.channel"]);
        Assert.Equal(eventId, write.Attributes["chatmesh.event_id"]);
        Assert.Equal(room, write.Attributes["chatmesh.room"]);
        Assert.Contains(trace, span => span.SpanId == write.ParentSpanId && span.Name == "live dispatch" && span.Service == write.Service);
    }

    private List<CollectedSpan> Trace(string traceId) => [.. fixture.Telemetry.Spans.Where(span => span.TraceId == traceId)];
}
