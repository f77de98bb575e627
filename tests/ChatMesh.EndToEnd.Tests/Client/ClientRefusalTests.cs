using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>A refused WebSocket handshake is read for its status and problem code: 429 backs off on the same channel, others fall back.</summary>
public sealed class ClientRefusalTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Too_many_connections_backs_off_on_the_websocket_until_one_is_free()
    {
        using var user = await ChatUser.SignInAsync(fixture, "capped", "web");
        var open = new List<WsClient>();
        try
        {
            for (var i = 0; i < GatewayOverrides.MaxConnectionsPerUser; i++)
            {
                open.Add(await WsClient.ConnectAsync(fixture, user.Token));
            }

            await using var client = new ChatMeshClient(Options(Edge(fixture), user.Token));
            var changes = new List<ChatConnectionChangedEventArgs>();
            var refusedTwice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.ConnectionChanged += (_, change) =>
            {
                lock (changes)
                {
                    changes.Add(change);
                    if (changes.Count(c => !c.Connected) >= 2)
                    {
                        refusedTwice.TrySetResult();
                    }
                }
            };
            var started = client.StartAsync(cancellationToken: Cancel);
            await refusedTwice.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
            Assert.False(started.IsCompleted);

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await started.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
            Assert.Equal(ChatChannel.WebSocket, client.Channel);
            lock (changes)
            {
                // Every refusal was the WebSocket's 429: SSE (which counts against the same cap) was never tried.
                Assert.All(changes.Where(change => !change.Connected), change =>
                {
                    Assert.Equal(ChatChannel.WebSocket, change.Channel);
                    Assert.Contains("too_many_connections", change.Reason, StringComparison.Ordinal);
                });
            }
        }
        finally
        {
            foreach (var socket in open)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_refused_handshake_reports_the_problem_code_of_its_body_and_falls_back()
    {
        await using var edge = await RefusingEdge.StartAsync(Edge(fixture));
        using var user = await ChatUser.SignInAsync(fixture, "proxied", "web");
        await using var client = new ChatMeshClient(Options(edge.Address, user.Token));
        var changes = RecordChanges(client);

        await client.StartAsync(cancellationToken: Cancel);

        Assert.Equal(ChatChannel.ServerSentEvents, client.Channel);
        lock (changes)
        {
            var refusal = Assert.Single(changes, change => !change.Connected);
            Assert.Equal(ChatChannel.WebSocket, refusal.Channel);
            // The code is the one in the proxy's problem body, which no status maps to.
            Assert.Contains(RefusingEdge.RefusalCode, refusal.Reason, StringComparison.Ordinal);
        }
    }
}
