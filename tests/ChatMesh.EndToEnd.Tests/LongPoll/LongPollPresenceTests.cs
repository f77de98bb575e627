using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.LongPoll;

/// <summary>A user who only long-polls is present like everyone else: online while their queue lives, offline when it is deleted.</summary>
public sealed class LongPollPresenceTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task A_long_poll_user_is_online_while_their_queue_lives_and_offline_once_it_is_deleted()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "pp-alice");
        using var carol = await ApiUser.SignInAsync(fixture, "pp-carol");
        var room = Names.Room("pp");
        await alice.CreateRoomAsync(room);
        await carol.JoinAsync(room);
        await using var aliceWs = await WsClient.ConnectAsync(fixture, PollClient.Token(alice));
        await aliceWs.SendAsync(new { type = "subscribe" });
        await aliceWs.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
        Assert.DoesNotContain(carol.Id, await OnlineAsync(alice, room));

        using var poll = PollClient.For(fixture, carol);
        var (queue, start, _) = await poll.RegisterAsync();
        await poll.PollAsync(queue, start);

        await aliceWs.WaitForAsync(frame => IsPresence(frame, carol.Id, "online"));
        Assert.Contains(carol.Id, await OnlineAsync(alice, room));

        using (var deleted = await poll.Client.DeleteAsync(new Uri($"/poll/queues/{queue}", UriKind.Relative), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await aliceWs.WaitForAsync(frame => IsPresence(frame, carol.Id, "offline"));
        Assert.DoesNotContain(carol.Id, await OnlineAsync(alice, room));
    }

    private static async Task<IReadOnlyList<string>> OnlineAsync(ApiUser user, string room) =>
        [.. (await user.GetJsonAsync($"/api/rooms/{room}/presence")).EnumerateArray().Select(name => name.GetString()!)];

    private static bool IsPresence(System.Text.Json.JsonElement frame, string user, string status) =>
        WsClient.Type(frame) == "presence" && frame.GetProperty("user").GetString() == user && frame.GetProperty("status").GetString() == status;
}
