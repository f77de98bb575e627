using System.Globalization;
using ChatMesh.EndToEnd.Tests.Sse;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>The delivery metrics arrive over OTLP with their documented names, units and channel tags after real traffic.</summary>
public sealed class MetricsTests(ChatMeshAppFixture fixture)
{
    private const string Channel = "chatmesh.channel";

    [Fact]
    public async Task A_websocket_send_to_a_websocket_and_sse_recipient_is_counted_and_timed_on_both_channels()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "m-alice");
        using var bob = await ChatUser.SignInAsync(fixture, "m-bob");
        var room = await alice.CreateRoomAsync("m-room");
        await bob.JoinAsync(room);
        await using var bobWs = await WsClient.ConnectAsync(fixture, bob.Token);
        await bobWs.SendAsync(new { type = "subscribe" });
        await bobWs.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
        using var http = StreamClients.Create(fixture);
        await using var bobSse = await SseClient.ConnectAsync(http, "/sse", bob.Token);

        // Bob's two connections are open: the exported gauges say so.
        await WaitForAsync("chatmesh.connections.active", "websocket", atLeast: 1);
        await WaitForAsync("chatmesh.connections.active", "sse", atLeast: 1);

        // Other tests deliver too: what this one proves is that its own deliveries move the totals.
        var before = Snapshot();
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        await ws.SendAsync(new { type = "send", @ref = "counted", room, text = "count me" });
        var id = (await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack")).GetProperty("id").GetInt64();
        await bobWs.WaitForAsync(frame => frame.TryGetProperty("id", out var got) && got.GetInt64() == id);
        await bobSse.WaitForAsync(e => e.Id == id.ToString(CultureInfo.InvariantCulture));

        foreach (var (name, channel) in before.Keys)
        {
            await WaitForAsync(name, channel, atLeast: before[(name, channel)] + 1);
        }

        var points = fixture.Telemetry.MetricPoints;
        Assert.Contains(points, point => point is { Name: "chatmesh.delivery.latency", Unit: "s", Kind: "histogram" });
        Assert.Contains(points, point => point is { Name: "chatmesh.events.delivered", Unit: "{event}", Kind: "sum" });
        Assert.Contains(points, point => point is { Name: "chatmesh.connections.active", Unit: "{connection}" });
        // Bounded cardinality: no metric is tagged with a room or a user.
        Assert.DoesNotContain(points, point => point.Attributes.Values.Any(value => value == room || value.StartsWith("m-bob", StringComparison.Ordinal)));
        Assert.All(points.Where(point => point.Attributes.ContainsKey(Channel)),
            point => Assert.Contains(point.Attributes[Channel], new[] { "websocket", "sse", "ndjson", "longpoll", "webhook" }));
    }

    private Dictionary<(string Name, string Channel), double> Snapshot() => new()
    {
        [("chatmesh.events.delivered", "websocket")] = Total("chatmesh.events.delivered", "websocket"),
        [("chatmesh.events.delivered", "sse")] = Total("chatmesh.events.delivered", "sse"),
        [("chatmesh.delivery.latency", "websocket")] = Total("chatmesh.delivery.latency", "websocket"),
        [("chatmesh.delivery.latency", "sse")] = Total("chatmesh.delivery.latency", "sse"),
    };

    private double Total(string name, string channel) => fixture.Telemetry.Total(name, Channel, channel);

    private Task WaitForAsync(string name, string channel, double atLeast) => Eventually.TrueAsync(
        () => Total(name, channel) >= atLeast,
        () => $"{name}{{{channel}}} is {Total(name, channel)}, expected at least {atLeast}. Metrics seen: " +
              string.Join(", ", fixture.Telemetry.MetricPoints.Select(point => point.Name).Distinct()));
}
