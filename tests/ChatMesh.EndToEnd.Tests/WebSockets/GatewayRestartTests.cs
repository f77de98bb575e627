using Microsoft.Extensions.DependencyInjection;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.WebSockets;

/// <summary>Restarting every gateway disturbs every connection, so this runs alone, after the parallel suites.</summary>
[CollectionDefinition(nameof(DisruptiveTests), DisableParallelization = true)]
public sealed class DisruptiveTests;

[Collection(nameof(DisruptiveTests))]
public sealed class GatewayRestartTests(ChatMeshAppFixture fixture)
{
    private const int Messages = 30;

    [Fact]
    public async Task Restarting_the_gateways_loses_no_acknowledged_message()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);

        var bobWs = await WsClient.ConnectAsync(fixture, bob.Token);
        await bobWs.SendAsync(new { type = "subscribe" });
        await bobWs.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");

        var keys = Enumerable.Range(0, Messages).Select(i => $"restart-{Guid.NewGuid():N}-{i}").ToArray();
        var acked = new Dictionary<string, long>();
        Task<ExecuteCommandResult>? restart = null;
        var aliceWs = await WsClient.ConnectAsync(fixture, alice.Token);
        while (acked.Count < Messages)
        {
            try
            {
                foreach (var key in keys.Where(key => !acked.ContainsKey(key)))
                {
                    await aliceWs.SendAsync(new { type = "send", @ref = key, room, text = key, key });
                    var ack = await aliceWs.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == key);
                    acked[key] = ack.GetProperty("id").GetInt64();
                    if (acked.Count == Messages / 3)
                    {
                        restart ??= fixture.App.ResourceCommands.ExecuteCommandAsync(Gateway(), "resource-restart", TestContext.Current.CancellationToken);
                    }
                }
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or InvalidOperationException or TimeoutException or HandshakeRefusedException)
            {
                // The gateway went away under us: reconnect and resend what was not acknowledged, with the same keys.
                await aliceWs.DisposeAsync();
                aliceWs = await ReconnectAsync(alice.Token);
            }
        }

        await aliceWs.DisposeAsync();
        Assert.NotNull(restart);
        var restarted = await restart;
        Assert.True(restarted.Success, $"The gateway restart failed: {restarted.Message}");

        // Bob lost his connection in the restart; he resumes from the last event he saw.
        // Close first, then read what arrived: the last id a client processed is its resume point.
        await bobWs.DisposeAsync();
        var lastSeen = bobWs.Events.Select(frame => frame.GetProperty("id").GetInt64()).DefaultIfEmpty(0).Max();
        await using var resumed = await ReconnectAsync(bob.Token);
        await resumed.SendAsync(new { type = "subscribe", after = lastSeen });
        await resumed.WaitForAsync(frame => WsClient.Type(frame) == "subscribed", TimeSpan.FromSeconds(60));

        var seenByBob = bobWs.Events.Concat(resumed.Events)
            .Where(frame => WsClient.Type(frame) == "message.created" && frame.GetProperty("room").GetString() == room)
            .Select(frame => frame.GetProperty("id").GetInt64())
            .ToList();
        Assert.Equal(acked.Values.Order(), seenByBob);

        using var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages?limit=100");
        var texts = history.RootElement.GetProperty("messages").EnumerateArray().Select(message => message.GetProperty("text").GetString()!).ToList();
        Assert.Equal(keys.Order(), texts.Order());
    }

    /// <summary>The gateway resource itself: a command on it runs on every replica (the name alone matches no instance).</summary>
    private IResource Gateway() =>
        fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == "gateway");

    private async Task<WsClient> ReconnectAsync(string token)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            try
            {
                return await WsClient.ConnectAsync(fixture, token);
            }
            catch (Exception ex) when (!deadline.IsCancellationRequested && ex is HandshakeRefusedException or System.Net.WebSockets.WebSocketException or HttpRequestException or InvalidOperationException)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }
}
