using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Api;

/// <summary><c>POST /api/rooms/{room}/typing</c>: the REST way to announce typing, for clients not on the WebSocket.</summary>
public sealed class TypingApiTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_member_announcing_typing_over_rest_is_seen_typing_by_a_websocket_member()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        await using var bobWs = await WsClient.ConnectAsync(fixture, bob.Token);
        await SubscribeAsync(bobWs);

        using var response = await PostTypingAsync(alice.Http, room);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Cancel));
        var typing = await bobWs.WaitForAsync(frame => WsClient.Type(frame) == "typing");
        Assert.Equal(alice.Name, typing.GetProperty("user").GetString());
        Assert.Equal(room, typing.GetProperty("room").GetString());
    }

    [Fact]
    public async Task A_non_member_is_refused_403_and_an_unknown_room_is_404()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var eve = await ChatUser.SignInAsync(fixture, "eve");
        var room = await alice.CreateRoomAsync();

        using var foreign = await PostTypingAsync(eve.Http, room);
        await Json.ProblemAsync(foreign, HttpStatusCode.Forbidden, "not_member");
        using var unknown = await PostTypingAsync(eve.Http, ChatUser.UniqueName("nowhere"));
        await Json.ProblemAsync(unknown, HttpStatusCode.NotFound, "room_not_found");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        var room = await alice.CreateRoomAsync();
        using var anonymous = ApiUser.CreateCookielessClient(fixture, "gateway");

        using var response = await PostTypingAsync(anonymous, room);

        await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "token_missing");
    }

    [Fact]
    public async Task A_repeat_within_the_throttle_is_429_with_retry_after_whichever_channel_announced_first()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "alice");
        using var bob = await ChatUser.SignInAsync(fixture, "bob");
        var room = await alice.CreateRoomAsync();
        var otherRoom = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        await bob.JoinAsync(otherRoom);
        await using var bobWs = await WsClient.ConnectAsync(fixture, bob.Token);
        await SubscribeAsync(bobWs);

        using var first = await PostTypingAsync(alice.Http, room);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await bobWs.WaitForAsync(frame => WsClient.Type(frame) == "typing" && frame.GetProperty("room").GetString() == room);
        using var repeat = await PostTypingAsync(alice.Http, room);
        await Json.ProblemAsync(repeat, HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = repeat.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), GatewayOverrides.TypingThrottle);

        // The limit is the user's, shared with the WebSocket: a typing frame relayed in the other room limits REST there.
        await using var aliceWs = await WsClient.ConnectAsync(fixture, alice.Token);
        await aliceWs.SendAsync(new { type = "typing", room = otherRoom });
        await bobWs.WaitForAsync(frame => WsClient.Type(frame) == "typing" && frame.GetProperty("room").GetString() == otherRoom);
        using var afterSocket = await PostTypingAsync(alice.Http, otherRoom);
        await Json.ProblemAsync(afterSocket, HttpStatusCode.TooManyRequests, "rate_limited");

        Assert.Single(bobWs.Frames, frame => WsClient.Type(frame) == "typing" && frame.GetProperty("room").GetString() == room);
    }

    private static Task<HttpResponseMessage> PostTypingAsync(HttpClient client, string room) =>
        client.PostAsync(new Uri($"/api/rooms/{Uri.EscapeDataString(room)}/typing", UriKind.Relative), null, Cancel);

    private static async Task SubscribeAsync(WsClient client)
    {
        await client.SendAsync(new { type = "subscribe", @ref = "sub" });
        await client.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
    }
}
