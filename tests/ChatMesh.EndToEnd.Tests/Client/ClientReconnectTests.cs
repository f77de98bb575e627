using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.EndToEnd.Tests.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>Restarting every gateway mid-stream: the client reconnects and resumes on its own, losing and doubling nothing.</summary>
[Collection(nameof(DisruptiveTests))]
public sealed class ClientReconnectTests(ChatMeshAppFixture fixture)
{
    private const int Messages = 30;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_gateway_restart_mid_stream_loses_and_duplicates_nothing()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        using var listener = await ChatUser.SignInAsync(fixture, "bob", "web");
        await listener.JoinAsync(room);

        // Enough attempts to outlast a restart of both replicas (each waits at most a second between attempts).
        var aliceOptions = Options(Edge(fixture), owner.Token);
        aliceOptions.MaxSendAttempts = 100;
        aliceOptions.RequestTimeout = TimeSpan.FromSeconds(5);
        await using var alice = new ChatMeshClient(aliceOptions);
        await alice.StartAsync(cancellationToken: Cancel);
        await using var bob = new ChatMeshClient(Options(Edge(fixture), listener.Token));
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.ConnectionChanged += (_, change) =>
        {
            if (!change.Connected)
            {
                dropped.TrySetResult();
            }
        };
        await bob.StartAsync(cancellationToken: Cancel);
        var receiving = MessagesAsync(bob, room, Messages, TimeSpan.FromMinutes(3));

        var acked = new List<long>();
        Task<ExecuteCommandResult>? restart = null;
        for (var i = 0; i < Messages; i++)
        {
            acked.Add(await alice.SendAsync(room, $"m{i}", Cancel));
            if (i == Messages / 3)
            {
                restart = fixture.App.ResourceCommands.ExecuteCommandAsync(Gateway(), "resource-restart", Cancel);
                // The rest is sent while bob is away or reconnecting: his client must resume to get it.
                await dropped.Task.WaitAsync(TimeSpan.FromMinutes(1), Cancel);
            }
        }

        var restarted = await restart!;
        Assert.True(restarted.Success, $"The gateway restart failed: {restarted.Message}");
        var received = await receiving;
        Assert.Equal(acked, received.Select(message => message.Id));
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => $"m{i}"), received.Select(message => message.Text));

        // Every send exactly once in the log, whatever was retried.
        using var history = await owner.GetJsonAsync($"/api/rooms/{room}/messages?limit=100");
        var texts = history.RootElement.GetProperty("messages").EnumerateArray().Select(message => message.GetProperty("text").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => $"m{i}"), texts);
    }

    private IResource Gateway() =>
        fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == "gateway");
}
