using System.Globalization;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.EndToEnd.Tests.WebSockets;

namespace ChatMesh.EndToEnd.Tests.Sse;

/// <summary>
/// Stopping a notification instance ends its streams with a <c>shutdown</c> event and a <c>retry:</c> hint, so clients
/// reconnect (to the other instance) and resume with nothing lost.
/// </summary>
[Collection(nameof(DisruptiveTests))]
public sealed class SseShutdownTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stopping_instance_ends_its_streams_with_shutdown_and_a_retry_hint_and_the_client_resumes_elsewhere()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "shut-a");
        using var bob = await ChatUser.SignInAsync(fixture, "shut-b");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        var replicas = await Replicas.RunningAsync(fixture, "notification");
        Assert.True(replicas.Count >= 2, $"Expected 2 notification replicas, found {replicas.Count}.");
        var stopping = replicas[0];
        using var direct = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = stopping.Address, Timeout = Timeout.InfiniteTimeSpan };
        await using var sse = await SseClient.ConnectAsync(direct, $"/sse?rooms={room}", bob.Token);
        var before = await alice.PostAsync(room, "before the stop");
        await sse.WaitForAsync(e => e.Id == before.ToString(CultureInfo.InvariantCulture));

        try
        {
            var stopped = await fixture.App.ResourceCommands.ExecuteCommandAsync(stopping.ResourceId, "resource-stop", Cancel);
            Assert.True(stopped.Success, $"Stopping {stopping.ResourceId} failed: {stopped.Message}");
            await sse.WaitForEndAsync(TimeSpan.FromSeconds(30));

            var last = sse.Events[^1];
            Assert.Equal("shutdown", last.Type);
            Assert.Contains("server_shutdown", last.Data, StringComparison.Ordinal);
            Assert.NotNull(sse.ReconnectionInterval);

            // Meanwhile Alice keeps talking; Bob reconnects through the service address (the other instance) and resumes.
            var during = await alice.PostAsync(room, "while one instance is down");
            using var http = StreamClients.Create(fixture);
            await using var resumed = await SseClient.ConnectAsync(http, $"/sse?rooms={room}", bob.Token, lastEventId: before.ToString(CultureInfo.InvariantCulture));
            await resumed.WaitForAsync(e => e.Id == during.ToString(CultureInfo.InvariantCulture));
            Assert.Equal([during], resumed.Logged.Where(e => e.Type == "message.created").Select(e => long.Parse(e.Id!, CultureInfo.InvariantCulture)));
        }
        finally
        {
            var started = await fixture.App.ResourceCommands.ExecuteCommandAsync(stopping.ResourceId, "resource-start", CancellationToken.None);
            Assert.True(started.Success, $"Starting {stopping.ResourceId} again failed: {started.Message}");
            await WaitUntilRunningAsync(stopping.ResourceId);
        }
    }

    /// <summary>Waits until the replica runs again and answers its health check (it listens only once its bus is up).</summary>
    private async Task WaitUntilRunningAsync(string resourceId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            var replica = (await Replicas.RunningAsync(fixture, "notification")).FirstOrDefault(replica => replica.ResourceId == resourceId);
            if (replica is not null)
            {
                try
                {
                    using var health = await http.GetAsync(new Uri(replica.Address, "/health"), deadline.Token);
                    if (health.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }
            await Task.Delay(500, deadline.Token);
        }
    }
}
