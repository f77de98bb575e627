using System.Net.WebSockets;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.WebSockets;

/// <summary>Hostile and broken clients get a documented answer, and nothing already accepted is lost.</summary>
public sealed class WebSocketHostileTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task Missing_token_is_refused_with_401_before_the_upgrade()
    {
        var error = await Assert.ThrowsAsync<HandshakeRefusedException>(() => WsClient.ConnectAsync(fixture, token: null));
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
    }

    [Fact]
    public async Task Forged_and_expired_tokens_are_refused_with_401()
    {
        var forged = TestTokens.Create("mallory", DateTimeOffset.UtcNow.AddHours(1), key: "not-the-signing-key-not-the-signing-key-000");
        var expired = TestTokens.Create("mallory", DateTimeOffset.UtcNow.AddMinutes(-5));

        var forgedError = await Assert.ThrowsAsync<HandshakeRefusedException>(() => WsClient.ConnectAsync(fixture, forged));
        var expiredError = await Assert.ThrowsAsync<HandshakeRefusedException>(() => WsClient.ConnectAsync(fixture, expired));

        Assert.Equal(HttpStatusCode.Unauthorized, forgedError.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, expiredError.Status);
    }

    [Fact]
    public async Task Problem_details_explain_each_refused_handshake()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");

        using var plain = await alice.Http.GetAsync("/ws", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Equal("websocket_required", await ErrorCode(plain));

        using var anonymous = new HttpClient { BaseAddress = alice.Http.BaseAddress };
        using var unauthenticated = await anonymous.GetAsync("/ws", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal("token_missing", await ErrorCode(unauthenticated));
    }

    [Fact]
    public async Task A_cross_site_handshake_is_refused_with_403()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");

        var error = await Assert.ThrowsAsync<HandshakeRefusedException>(() =>
            WsClient.ConnectAsync(fixture, alice.Token, configure: options => options.SetRequestHeader("Origin", "https://evil.example")));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
    }

    [Fact]
    public async Task A_token_in_the_query_string_works_for_browsers()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chatmesh.v1");

        await socket.ConnectAsync(WsClient.Endpoint(fixture, query: $"access_token={alice.Token}"), TestContext.Current.CancellationToken);

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("chatmesh.v1", socket.SubProtocol);
    }

    [Fact]
    public async Task Malformed_and_unknown_frames_get_error_frames_and_the_connection_stays_usable()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);

        await ws.SendRawAsync("{not json");
        await ws.SendRawAsync("[1,2,3]");
        await ws.SendAsync(new { type = "launch-missiles", @ref = "u" });
        await ws.SendAsync(new { type = "send", @ref = "no-room", text = "where?" });
        await ws.SendAsync(new { type = "ping", @ref = "still-there" });

        await ws.WaitForAsync(frame => WsClient.Type(frame) == "pong" && frame.GetProperty("ref").GetString() == "still-there");
        var errors = ws.Frames.Where(frame => WsClient.Type(frame) == "error").Select(frame => frame.GetProperty("code").GetString()).ToList();
        Assert.Equal(["invalid_json", "invalid_json", "unknown_type", "invalid_frame"], errors);
    }

    [Fact]
    public async Task Posting_to_a_room_you_are_not_in_is_refused()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var eve = await ChatUser.SignInAsync(fixture, "eve");
        var room = await alice.CreateRoomAsync();
        await using var ws = await WsClient.ConnectAsync(fixture, eve.Token);

        await ws.SendAsync(new { type = "send", @ref = "x", room, text = "let me in" });

        var error = await ws.WaitForAsync(frame => WsClient.Type(frame) == "error");
        Assert.Equal("not_member", error.GetProperty("code").GetString());
        Assert.Equal("x", error.GetProperty("ref").GetString());
    }

    [Fact]
    public async Task An_oversized_frame_closes_with_1009_and_earlier_messages_stay()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        var room = await alice.CreateRoomAsync();
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        await ws.SendAsync(new { type = "send", @ref = "ok", room, text = "accepted before the flood" });
        await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack");

        await ws.SendRawAsync(JsonSerializer.Serialize(new { type = "send", room, text = new string('x', 9000) }));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await ws.WaitForCloseAsync());
        using var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Single(history.RootElement.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task A_frame_just_under_the_limit_is_accepted()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        var room = await alice.CreateRoomAsync();
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        var text = new string('y', 3999);

        // ~4 KB plus the frame's JSON: bigger than the connection's idle buffer, within the test's 8 KiB limit.
        await ws.SendAsync(new { type = "send", @ref = "big", room, text });

        var ack = await ws.WaitForAsync(frame => WsClient.Type(frame) is "ack" or "error");
        Assert.Equal("ack", WsClient.Type(ack));
        using var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Equal(text, history.RootElement.GetProperty("messages")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_flood_gets_rate_limited_error_frames_then_close_1008()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);

        for (var i = 0; i < 200 && !ws.Closed; i++)
        {
            try
            {
                await ws.SendAsync(new { type = "ping" });
            }
            catch (WebSocketException)
            {
                break;
            }
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await ws.WaitForCloseAsync());
        Assert.Contains(ws.Frames, frame => WsClient.Type(frame) == "error" && frame.GetProperty("code").GetString() == "rate_limited");
    }

    [Fact]
    public async Task More_connections_than_the_per_user_cap_are_refused_with_429()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        const int cap = Overrides.GatewayOverrides.MaxConnectionsPerUser;
        List<WsClient> open = [];
        try
        {
            for (var i = 0; i < cap; i++)
            {
                open.Add(await WsClient.ConnectAsync(fixture, alice.Token));
            }

            var error = await Assert.ThrowsAsync<HandshakeRefusedException>(() => WsClient.ConnectAsync(fixture, alice.Token));
            Assert.Equal((HttpStatusCode)429, error.Status);

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await using var replacement = await ConnectWithinAsync(alice.Token);
            Assert.False(replacement.Closed);
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_token_that_expires_mid_connection_closes_it_with_4001()
    {
        var user = ChatUser.UniqueName("short");
        var token = TestTokens.Create(user, DateTimeOffset.UtcNow.AddSeconds(4));
        await using var ws = await WsClient.ConnectAsync(fixture, token);

        Assert.Equal((WebSocketCloseStatus)4001, await ws.WaitForCloseAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("token_expired", ws.CloseDescription);
    }

    [Fact]
    public async Task A_refreshed_token_keeps_the_connection_open()
    {
        var user = ChatUser.UniqueName("refresh");
        await using var ws = await WsClient.ConnectAsync(fixture, TestTokens.Create(user, DateTimeOffset.UtcNow.AddSeconds(4)));

        await ws.SendAsync(new { type = "auth", @ref = "r", token = TestTokens.Create(user, DateTimeOffset.UtcNow.AddHours(1)) });
        await ws.WaitForAsync(frame => WsClient.Type(frame) == "authenticated");
        await ws.SendAsync(new { type = "auth", @ref = "other", token = TestTokens.Create("someone-else", DateTimeOffset.UtcNow.AddHours(1)) });
        var refused = await ws.WaitForAsync(frame => WsClient.Type(frame) == "error" && frame.GetProperty("ref").GetString() == "other");
        Assert.Equal("token_invalid", refused.GetProperty("code").GetString());

        // Past the first token's expiry the connection still answers.
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await ws.SendAsync(new { type = "ping", @ref = "later" });
        await ws.WaitForAsync(frame => WsClient.Type(frame) == "pong");
        Assert.False(ws.Closed);
    }

    /// <summary>A closed connection is unregistered asynchronously; retry briefly until its slot is free.</summary>
    private async Task<WsClient> ConnectWithinAsync(string token)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await WsClient.ConnectAsync(fixture, token);
            }
            catch (HandshakeRefusedException) when (attempt < 50)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }

    private static async Task<string?> ErrorCode(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return body.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
    }
}
