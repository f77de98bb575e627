using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Moderation;

/// <summary>Roles, kick, ban, read-only and slow mode through the REST API and WebSocket frames: the events and the errors.</summary>
public sealed class ModerationApiTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task Rest_refusals_carry_their_codes_and_slow_mode_says_when_to_retry()
    {
        using var r = await ModeratedRoom.CreateAsync(fixture, "mod-rest");
        using var dave = await ApiUser.SignInAsync(fixture, "mod-rest-d");

        using (var byMember = await r.Carol.SendAsync(HttpMethod.Put, $"/api/rooms/{r.Room}/roles/{r.Carol.Id}", new { role = "moderator" }))
        {
            await Json.ProblemAsync(byMember, HttpStatusCode.Forbidden, "not_owner");
        }

        using (var badRole = await r.Alice.SendAsync(HttpMethod.Put, $"/api/rooms/{r.Room}/roles/{r.Carol.Id}", new { role = "owner" }))
        {
            await Json.ProblemAsync(badRole, HttpStatusCode.BadRequest, "invalid_argument");
        }

        using (var banOwner = await r.Bob.SendAsync(HttpMethod.Put, $"/api/rooms/{r.Room}/bans/{r.Alice.Id}"))
        {
            await Json.ProblemAsync(banOwner, HttpStatusCode.Forbidden, "outranked");
        }

        using (var kickByMember = await r.Carol.SendAsync(HttpMethod.Delete, $"/api/rooms/{r.Room}/members/{r.Bob.Id}"))
        {
            await Json.ProblemAsync(kickByMember, HttpStatusCode.Forbidden, "not_moderator");
        }

        // A ban ahead of joining: dave cannot join, nor be invited.
        using (var ban = await r.Bob.SendAsync(HttpMethod.Put, $"/api/rooms/{r.Room}/bans/{dave.Id}"))
        {
            await Json.ReadAsync(ban, HttpStatusCode.OK);
        }

        using (var join = await dave.PostAsync($"/api/rooms/{r.Room}/join"))
        {
            await Json.ProblemAsync(join, HttpStatusCode.Forbidden, "banned");
        }

        using (var invite = await r.Alice.PostAsync($"/api/rooms/{r.Room}/invites", new { user = dave.Id }))
        {
            await Json.ProblemAsync(invite, HttpStatusCode.Forbidden, "banned");
        }

        Assert.Equal([dave.Id], (await r.Bob.GetJsonAsync($"/api/rooms/{r.Room}/bans")).EnumerateArray().Select(e => e.GetString()));

        await r.UpdateAsync(r.Bob, new { readOnly = true });
        var room = await r.Carol.GetJsonAsync($"/api/rooms/{r.Room}");
        Assert.True(room.GetProperty("readOnly").GetBoolean());
        Assert.Equal([r.Bob.Id], room.GetProperty("moderators").EnumerateArray().Select(e => e.GetString()));
        using (var readOnly = await r.Carol.PostAsync($"/api/rooms/{r.Room}/messages", new { text = "may I?" }))
        {
            await Json.ProblemAsync(readOnly, HttpStatusCode.Forbidden, "room_read_only");
        }

        await r.UpdateAsync(r.Bob, new { readOnly = false, slowModeSeconds = 30 });
        await r.Carol.PostMessageAsync(r.Room, "first");
        using (var slow = await r.Carol.PostAsync($"/api/rooms/{r.Room}/messages", new { text = "second" }))
        {
            var problem = await Json.ProblemAsync(slow, (HttpStatusCode)429, "slow_mode");
            Assert.InRange(problem.GetProperty("retryAfterMs").GetInt64(), 1, 30_000);
            Assert.InRange(int.Parse(slow.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 30);
        }

        // Moderators are exempt.
        await r.Bob.PostMessageAsync(r.Room, "mod one");
        await r.Bob.PostMessageAsync(r.Room, "mod two");

        using (var tooSlow = await r.Bob.SendAsync(HttpMethod.Patch, $"/api/rooms/{r.Room}", new { slowModeSeconds = 1_000_000 }))
        {
            await Json.ProblemAsync(tooSlow, HttpStatusCode.BadRequest, "invalid_argument");
        }

        using (var rename = await r.Carol.SendAsync(HttpMethod.Patch, $"/api/rooms/{r.Room}", new { name = "mine" }))
        {
            await Json.ProblemAsync(rename, HttpStatusCode.Forbidden, "not_moderator");
        }
    }

    [Fact]
    public async Task Moderation_frames_are_acked_delivered_as_events_and_a_kicked_member_hears_nothing_more()
    {
        using var r = await ModeratedRoom.CreateAsync(fixture, "mod-ws");
        await using var alice = await SubscribedAsync(r.Alice);
        await using var bob = await SubscribedAsync(r.Bob);
        await using var carol = await SubscribedAsync(r.Carol);

        await carol.SendAsync(new { type = "kick", @ref = "k0", room = r.Room, user = r.Bob.Id });
        Assert.Equal("not_moderator", (await ErrorAsync(carol, "k0")).GetProperty("code").GetString());
        await carol.SendAsync(new { type = "role", @ref = "r0", room = r.Room, user = r.Carol.Id, role = "moderator" });
        Assert.Equal("not_owner", (await ErrorAsync(carol, "r0")).GetProperty("code").GetString());
        await bob.SendAsync(new { type = "ban", @ref = "b0", room = r.Room, user = r.Alice.Id });
        Assert.Equal("outranked", (await ErrorAsync(bob, "b0")).GetProperty("code").GetString());

        await bob.SendAsync(new { type = "update_room", @ref = "u1", room = r.Room, slowModeSeconds = 30 });
        await AckAsync(bob, "u1");
        await carol.SendAsync(new { type = "send", @ref = "s1", room = r.Room, text = "one" });
        await AckAsync(carol, "s1");
        await carol.SendAsync(new { type = "send", @ref = "s2", room = r.Room, text = "two" });
        var slow = await ErrorAsync(carol, "s2");
        Assert.Equal("slow_mode", slow.GetProperty("code").GetString());
        Assert.InRange(slow.GetProperty("retryAfterMs").GetInt64(), 1, 30_000);

        await bob.SendAsync(new { type = "update_room", @ref = "u2", room = r.Room, slowModeSeconds = 0, readOnly = true });
        await AckAsync(bob, "u2");
        await carol.SendAsync(new { type = "send", @ref = "s3", room = r.Room, text = "three" });
        Assert.Equal("room_read_only", (await ErrorAsync(carol, "s3")).GetProperty("code").GetString());

        await alice.SendAsync(new { type = "role", @ref = "r1", room = r.Room, user = r.Bob.Id, role = "member" });
        var demoted = await AckAsync(alice, "r1");
        await alice.SendAsync(new { type = "role", @ref = "r2", room = r.Room, user = r.Bob.Id, role = "moderator" });
        var promoted = await AckAsync(alice, "r2");
        await bob.SendAsync(new { type = "kick", @ref = "k1", room = r.Room, user = r.Carol.Id });
        var kick = await AckAsync(bob, "k1");

        // Every member, the kicked one included, sees the kick; after it the kicked member hears nothing of the room.
        var kicked = await carol.WaitForAsync(f => WsClient.Type(f) == "member.left" && f.GetProperty("id").GetInt64() == kick);
        Assert.Equal("kicked", kicked.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(r.Carol.Id, kicked.GetProperty("data").GetProperty("user").GetString());
        await alice.SendAsync(new { type = "send", @ref = "a1", room = r.Room, text = "after the kick" });
        await AckAsync(alice, "a1");
        await bob.WaitForAsync(f => f.TryGetProperty("data", out var d) && WsClient.Type(f) == "message.created" && d.GetProperty("text").GetString() == "after the kick");
        var seen = alice.Events.Select(f => WsClient.Type(f)).ToList();
        Assert.Contains("room.updated", seen);
        // Both role changes, each once (the set-up's own role.updated may also arrive live: it is not counted).
        var roles = alice.Events.Where(f => WsClient.Type(f) == "role.updated").Select(f => f.GetProperty("id").GetInt64()).ToList();
        Assert.Single(roles, id => id == demoted);
        Assert.Single(roles, id => id == promoted);
        // (The kick's personal copy, to the kicked member's own stream, follows the kick; nothing of the room after it.)
        Assert.DoesNotContain(carol.Events, f => f.GetProperty("id").GetInt64() > kick && WsClient.Type(f) != "member.left" && f.GetProperty("room").GetString() == r.Room);

        await carol.SendAsync(new { type = "send", @ref = "s4", room = r.Room, text = "back?" });
        Assert.Equal("not_member", (await ErrorAsync(carol, "s4")).GetProperty("code").GetString());

        // A resume from before the kick replays nothing of the room after it either.
        await using var resumed = await WsClient.ConnectAsync(fixture, ModeratedRoom.Token(r.Carol));
        await resumed.SendAsync(new { type = "subscribe", @ref = "sub", after = kick - 1 });
        await resumed.WaitForAsync(f => WsClient.Type(f) == "subscribed");
        Assert.DoesNotContain(resumed.Events, f => f.GetProperty("id").GetInt64() > kick && WsClient.Type(f) != "member.left" && f.GetProperty("room").GetString() == r.Room);
    }

    private async Task<WsClient> SubscribedAsync(ApiUser user)
    {
        var client = await WsClient.ConnectAsync(fixture, ModeratedRoom.Token(user));
        await client.SendAsync(new { type = "subscribe", @ref = "sub" });
        await client.WaitForAsync(f => WsClient.Type(f) == "subscribed");
        return client;
    }

    private static async Task<long> AckAsync(WsClient client, string reference)
    {
        var answer = await client.WaitForAsync(f => f.TryGetProperty("ref", out var r) && r.GetString() == reference && WsClient.Type(f) is "ack" or "error");
        Assert.True(WsClient.Type(answer) == "ack", $"Expected an ack for {reference}, got {answer}");
        return answer.GetProperty("id").GetInt64();
    }

    private static Task<System.Text.Json.JsonElement> ErrorAsync(WsClient client, string reference) =>
        client.WaitForAsync(f => WsClient.Type(f) == "error" && f.TryGetProperty("ref", out var r) && r.GetString() == reference);
}
