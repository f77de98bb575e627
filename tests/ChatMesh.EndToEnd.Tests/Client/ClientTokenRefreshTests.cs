using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>Short-lived tokens: with a token provider the client refreshes before expiry (the WebSocket's auth frame); without one it stops.</summary>
public sealed class ClientTokenRefreshTests(ChatMeshAppFixture fixture)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_provider_keeps_one_websocket_open_across_several_expiries()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        var user = ChatUser.UniqueName("fresh");
        var options = Options(Edge(fixture), Mint(user));
        options.TokenRefreshMargin = TimeSpan.FromSeconds(6);
        options.TokenProvider = _ => ValueTask.FromResult(Mint(user));
        await using var client = new ChatMeshClient(options);
        var changes = RecordChanges(client);
        var refreshed = 0;
        var thirdRefresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.TokenRefreshed += (_, _) =>
        {
            if (Interlocked.Increment(ref refreshed) == 3)
            {
                thirdRefresh.TrySetResult();
            }
        };
        var first = client.Token;
        await client.StartAsync(cancellationToken: Cancel);

        // Three refreshes are well past the first token's expiry.
        await thirdRefresh.Task.WaitAsync(TimeSpan.FromMinutes(1), Cancel);
        Assert.NotEqual(first, client.Token);
        await client.JoinAsync(room, Cancel);
        var sent = await client.SendAsync(room, "still signed in", Cancel);
        Assert.Equal([sent], (await MessagesAsync(client, room, 1)).Select(message => message.Id));
        Assert.Equal(ChatChannel.WebSocket, client.Channel);
        lock (changes)
        {
            // One connection, never lost: the auth frame moved its expiry.
            Assert.Equal([true], changes.Select(change => change.Connected));
        }
    }

    [Fact]
    public async Task Without_a_fresh_token_the_client_stops_at_expiry_with_4001()
    {
        var user = ChatUser.UniqueName("stale");
        var options = Options(Edge(fixture), TestTokens.Create(user, DateTimeOffset.UtcNow.AddSeconds(4)));
        options.TokenRefreshMargin = TimeSpan.FromSeconds(2);
        var asked = 0;
        options.TokenProvider = _ =>
        {
            Interlocked.Increment(ref asked);
            throw new InvalidOperationException("the identity provider is down");
        };
        await using var client = new ChatMeshClient(options);
        await client.StartAsync(cancellationToken: Cancel);

        var ended = await Assert.ThrowsAsync<ChatMeshException>(() => DrainAsync(client, TimeSpan.FromMinutes(1)));
        Assert.Equal("token_expired", ended.Code);
        Assert.Equal(4001, ended.CloseStatus);
        Assert.True(Volatile.Read(ref asked) >= 1, "the provider was never asked");
        Assert.Null(client.Channel);
    }

    [Fact]
    public void A_refresh_margin_out_of_range_is_refused()
    {
        var options = Options(new Uri("http://localhost"), "t");
        options.TokenRefreshMargin = TimeSpan.Zero;
        Assert.Equal("TokenRefreshMargin", Assert.Throws<ArgumentException>(() => new ChatMeshClient(options)).ParamName);
        var poll = Options(new Uri("http://localhost"), "t");
        poll.LongPollTimeout = TimeSpan.FromMilliseconds(1500);
        Assert.Equal("LongPollTimeout", Assert.Throws<ArgumentException>(() => new ChatMeshClient(poll)).ParamName);
    }

    private static string Mint(string user) => TestTokens.Create(user, DateTimeOffset.UtcNow + Lifetime);
}
