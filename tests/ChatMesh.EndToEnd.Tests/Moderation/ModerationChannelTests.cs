using System.Text;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.LongPoll;
using ChatMesh.EndToEnd.Tests.Sse;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.EndToEnd.Tests.Webhooks;

namespace ChatMesh.EndToEnd.Tests.Moderation;

/// <summary>
/// Moderation on the other channels: SSE and NDJSON deliver the events and stop at a ban; long-poll sends and inbound
/// hooks get the same refusals as REST; outbound webhooks deliver the moderation events.
/// </summary>
public sealed class ModerationChannelTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sse_and_ndjson_deliver_moderation_events_and_a_banned_member_stops_receiving_the_room()
    {
        using var r = await ModeratedRoom.CreateAsync(fixture, "mod-sse");
        using var http = StreamClients.Create(fixture);
        await using var bobSse = await SseClient.ConnectAsync(http, "/sse", ModeratedRoom.Token(r.Bob));
        await using var carolSse = await SseClient.ConnectAsync(http, "/sse", ModeratedRoom.Token(r.Carol));
        await using var carolNdjson = await NdjsonClient.ConnectAsync(http, "/stream", ModeratedRoom.Token(r.Carol));

        var updated = await r.UpdateAsync(r.Bob, new { topic = "rules first" });
        await carolSse.WaitForAsync(e => e.Id == $"{updated}" && e.Type == "room.updated");
        await carolNdjson.WaitForAsync(line => NdjsonClient.Id(line) == updated);

        using (var ban = await r.Bob.SendAsync(HttpMethod.Put, $"/api/rooms/{r.Room}/bans/{r.Carol.Id}"))
        {
            await Json.ReadAsync(ban, HttpStatusCode.OK);
        }

        var left = await carolSse.WaitForAsync(e => e.Type == "member.left" && e.Data.Contains("\"reason\":\"banned\"", StringComparison.Ordinal));
        await carolNdjson.WaitForAsync(line => NdjsonClient.Type(line) == "member.left");
        await bobSse.WaitForAsync(e => e.Type == "member.banned");

        await r.Alice.PostMessageAsync(r.Room, "after the ban");
        await bobSse.WaitForAsync(e => e.Type == "message.created" && e.Data.Contains("after the ban", StringComparison.Ordinal));
        var banAt = long.Parse(left.Id!, System.Globalization.CultureInfo.InvariantCulture);
        // After the ban's member.left (and its personal copy) nothing of the room reaches the banned member.
        Assert.DoesNotContain(carolSse.Logged, e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture) > banAt
            && e.Type != "member.left" && e.Data.Contains(r.Room, StringComparison.Ordinal));
        Assert.DoesNotContain(carolNdjson.Lines, line => NdjsonClient.Id(line) > banAt && NdjsonClient.Type(line) != "member.left"
            && line.Contains(r.Room, StringComparison.Ordinal));

        // A resume from before the ban does not bring the room back either.
        await using var resumed = await SseClient.ConnectAsync(http, "/sse", ModeratedRoom.Token(r.Carol), lastEventId: $"{updated}");
        await resumed.WaitForAsync(e => e.Type == "member.left");
        await r.Alice.PostMessageAsync(r.Room, "second after the ban");
        await bobSse.WaitForAsync(e => e.Data.Contains("second after the ban", StringComparison.Ordinal));
        Assert.DoesNotContain(resumed.Events, e => e.Type == "message.created" && e.Data.Contains(r.Room, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Long_poll_sends_are_refused_in_a_read_only_or_slow_room_and_polls_deliver_the_changes()
    {
        using var r = await ModeratedRoom.CreateAsync(fixture, "mod-lp");
        using var poll = PollClient.For(fixture, r.Carol);
        var (queue, start, _) = await poll.RegisterAsync();
        var path = $"/poll/rooms/{r.Room}/messages";

        await r.UpdateAsync(r.Bob, new { slowModeSeconds = 30 });
        using (var first = await poll.PostFormAsync(path, ("text", "one")))
        {
            await Json.ReadAsync(first, HttpStatusCode.Created);
        }

        using (var second = await poll.PostFormAsync(path, ("text", "two")))
        {
            var problem = await Json.ProblemAsync(second, (HttpStatusCode)429, "slow_mode");
            Assert.InRange(problem.GetProperty("retryAfterMs").GetInt64(), 1, 30_000);
            Assert.True(second.Headers.Contains("Retry-After"));
        }

        await r.UpdateAsync(r.Bob, new { slowModeSeconds = 0, readOnly = true });
        using (var readOnly = await poll.PostJsonAsync(path, new { text = "three" }))
        {
            await Json.ProblemAsync(readOnly, HttpStatusCode.Forbidden, "room_read_only");
        }

        var answer = await poll.PollUntilAsync(queue, start, events =>
            events.Count(e => ModeratedRoom.Type(e) == "room.updated") == 2);
        var last = answer.AllEvents!.Last(e => ModeratedRoom.Type(e) == "room.updated").GetProperty("data");
        Assert.True(last.GetProperty("readOnly").GetBoolean());
        Assert.Equal(0, last.GetProperty("slowModeSeconds").GetInt32());
        Assert.Single(answer.AllEvents!, e => ModeratedRoom.IsText(e, "one"));

        // Kicked: the poll delivers the kick, then nothing more of the room.
        using (var kick = await r.Bob.SendAsync(HttpMethod.Delete, $"/api/rooms/{r.Room}/members/{r.Carol.Id}"))
        {
            await Json.ReadAsync(kick, HttpStatusCode.OK);
        }

        await r.Alice.PostMessageAsync(r.Room, "not for carol");
        var after = await poll.PollUntilAsync(queue, answer.LastEventId, events => events.Any(e => ModeratedRoom.Type(e) == "member.left"));
        Assert.DoesNotContain(after.AllEvents!, e => ModeratedRoom.IsText(e, "not for carol"));
        var quiet = await poll.PollAsync(queue, after.LastEventId, "timeout=1");
        Assert.DoesNotContain(quiet.Events, e => ModeratedRoom.IsText(e, "not for carol"));
    }

    [Fact]
    public async Task Inbound_hooks_obey_slow_mode_and_read_only_and_outbound_webhooks_deliver_moderation_events()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "mod-hook");
        await owner.RegisterAsync(receiver.Path("moderation", WebhookReceiver.Status(204)), eventTypes: ["room.updated", "member.banned", "role.updated"]);
        using var hookCreated = await owner.Api.PostAsync("/api/webhooks/incoming", new { room = owner.Room, name = "CI" });
        var hook = await Json.ReadAsync(hookCreated, HttpStatusCode.Created);
        using var anonymous = ApiUser.CreateCookielessClient(fixture, "web");

        async Task<HttpResponseMessage> PostHookAsync(string text)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hook.GetProperty("url").GetString()!, UriKind.Relative))
            {
                Content = new StringContent(JsonSerializer.Serialize(new { text }), Encoding.UTF8, "application/json"),
            };
            return await anonymous.SendAsync(request, Cancel);
        }

        using (var slow = await owner.Api.SendAsync(HttpMethod.Patch, $"/api/rooms/{owner.Room}", new { slowModeSeconds = 30 }))
        {
            await Json.ReadAsync(slow, HttpStatusCode.OK);
        }

        using (var first = await PostHookAsync("build 1 passed"))
        {
            await Json.ReadAsync(first, HttpStatusCode.Created);
        }

        using (var second = await PostHookAsync("build 2 passed"))
        {
            var problem = await Json.ProblemAsync(second, (HttpStatusCode)429, "slow_mode");
            Assert.InRange(problem.GetProperty("retryAfterMs").GetInt64(), 1, 30_000);
        }

        using (var readOnly = await owner.Api.SendAsync(HttpMethod.Patch, $"/api/rooms/{owner.Room}", new { readOnly = true, slowModeSeconds = 0 }))
        {
            await Json.ReadAsync(readOnly, HttpStatusCode.OK);
        }

        using (var third = await PostHookAsync("build 3 passed"))
        {
            await Json.ProblemAsync(third, HttpStatusCode.Forbidden, "room_read_only");
        }

        using var bob = await ApiUser.SignInAsync(fixture, "mod-hook-b", "web");
        await bob.JoinAsync(owner.Room);
        using (var grant = await owner.Api.SendAsync(HttpMethod.Put, $"/api/rooms/{owner.Room}/roles/{bob.Id}", new { role = "moderator" }))
        {
            await Json.ReadAsync(grant, HttpStatusCode.OK);
        }

        using (var ban = await owner.Api.SendAsync(HttpMethod.Put, $"/api/rooms/{owner.Room}/bans/{bob.Id}"))
        {
            await Json.ReadAsync(ban, HttpStatusCode.OK);
        }

        var delivered = await receiver.WaitForAsync("moderation", requests => requests.Count >= 4);
        var types = delivered.Select(d => JsonDocument.Parse(d.Body).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Equal(["member.banned", "role.updated", "room.updated", "room.updated"], types.Order(StringComparer.Ordinal));
        var messages = (await owner.GetAsync($"/api/rooms/{owner.Room}/messages")).GetProperty("messages");
        Assert.Equal(["build 1 passed"], messages.EnumerateArray().Select(m => m.GetProperty("text").GetString()));
    }
}
