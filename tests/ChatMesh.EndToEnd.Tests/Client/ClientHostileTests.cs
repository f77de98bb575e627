using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>What the client surfaces when the server refuses it: typed exceptions with the server's codes, and no reconnect loop.</summary>
public sealed class ClientHostileTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bad_token_is_refused_with_token_invalid_on_connect_and_on_send()
    {
        await using var client = new ChatMeshClient(Options(Edge(fixture), "not-a-token"));

        var connect = await Assert.ThrowsAsync<ChatMeshException>(() => client.StartAsync(cancellationToken: Cancel));
        Assert.Equal("token_invalid", connect.Code);
        Assert.Equal(401, connect.Status);
        Assert.Null(client.Channel);

        var send = await Assert.ThrowsAsync<ChatMeshException>(() => client.SendAsync("general", "hi", Cancel));
        Assert.Equal("token_invalid", send.Code);
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_token_expired()
    {
        var token = TestTokens.Create(ChatUser.UniqueName("late"), DateTimeOffset.UtcNow.AddMinutes(-10));
        await using var client = new ChatMeshClient(Options(Edge(fixture), token));

        var refused = await Assert.ThrowsAsync<ChatMeshException>(() => client.StartAsync(cancellationToken: Cancel));
        Assert.Equal("token_expired", refused.Code);
        Assert.True(refused.IsAuthenticationFailure);
    }

    [Fact]
    public async Task A_send_the_domain_refuses_throws_its_code_without_retrying()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        using var outsider = await ChatUser.SignInAsync(fixture, "eve", "web");
        await using var eve = new ChatMeshClient(Options(Edge(fixture), outsider.Token));
        await eve.StartAsync(cancellationToken: Cancel);

        var refused = await Assert.ThrowsAsync<ChatMeshException>(() => eve.SendAsync(room, "let me in", Cancel));
        Assert.Equal("not_member", refused.Code);

        using var history = await owner.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Empty(history.RootElement.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task Signing_out_closes_the_websocket_with_4002_and_the_client_stops_instead_of_reconnecting()
    {
        await using var client = await ChatMeshClient.SignInAsync(ChatUser.UniqueName("bob"), Options(Edge(fixture)), Cancel);
        var changes = RecordChanges(client);
        await client.StartAsync(cancellationToken: Cancel);

        using (var signedOut = await client.SendRequestAsync(HttpMethod.Post, "/api/auth/sign-out", cancellationToken: Cancel))
        {
            Assert.Equal(HttpStatusCode.NoContent, signedOut.StatusCode);
        }

        var ended = await Assert.ThrowsAsync<ChatMeshException>(() => DrainAsync(client, TimeSpan.FromSeconds(30)));
        Assert.Equal("token_revoked", ended.Code);
        Assert.Equal(4002, ended.CloseStatus);
        Assert.Null(client.Channel);
        lock (changes)
        {
            // One connection, then its loss: no attempt to connect again with the revoked token.
            Assert.Single(changes, change => change.Connected);
        }
    }

    [Fact]
    public void Invalid_options_are_refused_when_the_client_is_created()
    {
        Assert.Equal("BaseAddress", Assert.Throws<ArgumentException>(() => new ChatMeshClient(new ChatMeshClientOptions { Token = "t" })).ParamName);
        Assert.Equal("Token", Assert.Throws<ArgumentException>(() => new ChatMeshClient(Options(new Uri("http://localhost")))).ParamName);
        var zeroDelay = Options(new Uri("http://localhost"), "t");
        zeroDelay.ReconnectBaseDelay = TimeSpan.Zero;
        Assert.Equal("ReconnectBaseDelay", Assert.Throws<ArgumentException>(() => new ChatMeshClient(zeroDelay)).ParamName);
        var noAttempts = Options(new Uri("http://localhost"), "t");
        noAttempts.MaxSendAttempts = 0;
        Assert.Equal("MaxSendAttempts", Assert.Throws<ArgumentException>(() => new ChatMeshClient(noAttempts)).ParamName);
        var noChannels = Options(new Uri("http://localhost"), "t");
        noChannels.Channels.Clear();
        Assert.Equal("Channels", Assert.Throws<ArgumentException>(() => new ChatMeshClient(noChannels)).ParamName);
        var ftp = Options(new Uri("ftp://localhost"), "t");
        Assert.Equal("BaseAddress", Assert.Throws<ArgumentException>(() => new ChatMeshClient(ftp)).ParamName);
    }
}
