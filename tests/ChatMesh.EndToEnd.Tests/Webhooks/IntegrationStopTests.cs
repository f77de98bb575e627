using ChatMesh.Chat.Webhooks;
using ChatMesh.EndToEnd.Tests.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.EndToEnd.Tests.Webhooks;

/// <summary>Stopping the integration service stops every outbound delivery, so this runs with the other disruptive tests.</summary>
[Collection(nameof(DisruptiveTests))]
public sealed class IntegrationStopTests(ChatMeshAppFixture fixture)
{
    private const int BeforeStop = 10;
    private const int WhileStopped = 5;
    private static readonly WebhookVerifier Verifier = new(TimeProvider.System);

    [Fact]
    public async Task Stopping_the_integration_service_during_a_retry_backlog_loses_nothing()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "whstop");
        var failing = true;
        var url = receiver.Path("backlog", (_, context) =>
        {
            context.Response.StatusCode = Volatile.Read(ref failing) ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        var endpoint = await owner.RegisterAsync(url, eventTypes: ["message.created"]);
        var secret = WebhookSecret.Parse(endpoint.GetProperty("secret").GetString()!);

        var ids = new List<long>();
        for (var i = 0; i < BeforeStop; i++)
        {
            ids.Add(await owner.SendOverWebSocketAsync(fixture, $"backlog {i}"));
        }

        // Every message has failed at least twice: the backlog is in the retry schedule, not still on the bus.
        await receiver.WaitForAsync("backlog", requests => ids.All(id => requests.Count(r => r.Id == $"{id}") >= 2), TimeSpan.FromSeconds(60));

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await fixture.App.ResourceCommands.ExecuteCommandAsync(Integration(), KnownResourceCommands.StopCommand, cancel);
        Assert.True(stopped.Success, $"Stopping the integration service failed: {stopped.Message}");
        var attemptsWhenStopped = receiver.On("backlog").Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"stopped in {stopping.Elapsed}; {attemptsWhenStopped} attempts so far");

        // Sent while no integration instance runs: they wait in the durable bus queue.
        for (var i = 0; i < WhileStopped; i++)
        {
            ids.Add(await owner.SendOverWebSocketAsync(fixture, $"while stopped {i}"));
        }

        Volatile.Write(ref failing, false);
        Assert.Equal(attemptsWhenStopped, receiver.On("backlog").Count);

        var started = await fixture.App.ResourceCommands.ExecuteCommandAsync(Integration(), KnownResourceCommands.StartCommand, cancel);
        Assert.True(started.Success, $"Starting the integration service failed: {started.Message}");
        using (var healthy = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("integration", healthy.Token);
        }

        // Every event arrives after the restart (at least once, answered 200), each signed with its event id as webhook-id.
        var requests = await receiver.WaitForAsync(
            "backlog", all => ids.All(id => all.Skip(attemptsWhenStopped).Any(r => r.Id == $"{id}")), TimeSpan.FromSeconds(90));
        var afterRestart = requests.Skip(attemptsWhenStopped).ToList();
        Assert.All(afterRestart, r => Assert.True(Verifier.Verify(r.Headers, r.Body, secret).IsValid, $"bad signature on {r.Id}"));
        Assert.Equal(ids.Order(), afterRestart.Select(r => long.Parse(r.Id, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order());
    }

    /// <summary>The integration resource itself (a command on its bare name matches no instance).</summary>
    private IResource Integration() =>
        fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == "integration");
}
