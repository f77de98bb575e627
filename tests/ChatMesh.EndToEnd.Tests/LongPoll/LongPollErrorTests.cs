using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Overrides;

namespace ChatMesh.EndToEnd.Tests.LongPoll;

/// <summary>Every documented refusal of the queue and poll routes, and the per-user limits.</summary>
public sealed class LongPollErrorTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task Another_users_queue_is_forbidden()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-owner");
        using var mallory = await ApiUser.SignInAsync(fixture, "lp-mallory");
        using var alicePoll = PollClient.For(fixture, alice);
        using var malloryPoll = PollClient.For(fixture, mallory);
        var (queue, start, _) = await alicePoll.RegisterAsync();

        using var poll = await malloryPoll.PollRawAsync(queue, $"lastEventId={start}&dont_block=true");
        await Json.ProblemAsync(poll, HttpStatusCode.Forbidden, "forbidden");
        using var delete = await malloryPoll.DeleteAsync(queue);
        await Json.ProblemAsync(delete, HttpStatusCode.Forbidden, "forbidden");

        // Still alice's, untouched.
        Assert.Empty((await alicePoll.PollAsync(queue, start)).Events);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999999")]
    public async Task A_malformed_cursor_is_invalid_cursor(string cursor)
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-badcur");
        using var poll = PollClient.For(fixture, alice);
        var (queue, _, _) = await poll.RegisterAsync();

        using var response = await poll.PollRawAsync(queue, $"lastEventId={Uri.EscapeDataString(cursor)}&dont_block=true");

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task A_cursor_from_the_future_is_refused_and_does_not_move_the_queue()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-future");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        using var response = await poll.PollRawAsync(queue, $"lastEventId={start + 1_000_000_000}&dont_block=true");

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "cursor_from_future");
        Assert.True((await poll.PollAsync(queue, start)).LastEventId >= start);
    }

    [Fact]
    public async Task Unknown_and_deleted_queues_are_not_found()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-unknown");
        using var poll = PollClient.For(fixture, alice);

        using var unknown = await poll.PollRawAsync(Guid.NewGuid().ToString("N"), "dont_block=true");
        await Json.ProblemAsync(unknown, HttpStatusCode.NotFound, "queue_not_found");
        using var malformed = await poll.PollRawAsync("not-a-queue", "dont_block=true");
        await Json.ProblemAsync(malformed, HttpStatusCode.NotFound, "queue_not_found");

        var (queue, start, _) = await poll.RegisterAsync();
        using (var deleted = await poll.DeleteAsync(queue))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await poll.PollRawAsync(queue, $"lastEventId={start}&dont_block=true");
        await Json.ProblemAsync(gone, HttpStatusCode.NotFound, "queue_not_found");
        using var again = await poll.DeleteAsync(queue);
        await Json.ProblemAsync(again, HttpStatusCode.NotFound, "queue_not_found");
    }

    [Theory]
    [InlineData("timeout=0")]
    [InlineData("timeout=soon")]
    [InlineData("dont_block=maybe")]
    public async Task Bad_poll_parameters_are_invalid_argument(string query)
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-badarg");
        using var poll = PollClient.For(fixture, alice);
        var (queue, _, _) = await poll.RegisterAsync();

        using var response = await poll.PollRawAsync(queue, query);

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task Registration_refuses_unknown_types_and_bad_room_ids()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-badreg");
        using var poll = PollClient.For(fixture, alice);

        using var types = await poll.RegisterRawAsync(new { types = new[] { "message.exploded" } });
        await Json.ProblemAsync(types, HttpStatusCode.BadRequest, "invalid_argument");
        using var rooms = await poll.RegisterRawAsync(new { rooms = new[] { "../etc" } });
        await Json.ProblemAsync(rooms, HttpStatusCode.BadRequest, "invalid_argument");
        using var json = await poll.Client.PostAsync(new Uri("/poll/queues", UriKind.Relative),
            new StringContent("{\"rooms\":", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await Json.ProblemAsync(json, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task A_user_may_hold_only_so_many_queues()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-many");
        using var poll = PollClient.For(fixture, alice);
        List<string> queues = [];
        for (var i = 0; i < LegacyOverrides.MaxQueuesPerUser; i++)
        {
            queues.Add((await poll.RegisterAsync()).QueueId);
        }

        using var refused = await poll.RegisterRawAsync();
        await Json.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "too_many_queues");

        using (var deleted = await poll.DeleteAsync(queues[0]))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await poll.RegisterAsync();
    }

    [Fact]
    public async Task Short_polls_are_rate_limited_per_user_with_retry_after()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-rate");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        // The window is a minute; if it turns over during the loop the count restarts once, hence the bound.
        HttpResponseMessage? limited = null;
        for (var i = 0; i < (2 * LegacyOverrides.ShortPollsPerMinute) + 2 && limited is null; i++)
        {
            var response = await poll.PollRawAsync(queue, $"lastEventId={start}&dont_block=true");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            await Json.ProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate_limited");
            var retryAfter = limited.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public async Task Polling_needs_a_token_and_accepts_it_in_the_query()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-token");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();
        using var anonymous = ApiUser.CreateCookielessClient(fixture, "legacy");

        using var refused = await anonymous.GetAsync(new Uri($"/poll/queues/{queue}/events?dont_block=true", UriKind.Relative), TestContext.Current.CancellationToken);
        await Json.ProblemAsync(refused, HttpStatusCode.Unauthorized, "token_missing");
        using var accepted = await anonymous.GetAsync(
            new Uri($"/poll/queues/{queue}/events?lastEventId={start}&dont_block=true&access_token={PollClient.Token(alice)}", UriKind.Relative),
            TestContext.Current.CancellationToken);
        await Json.ReadAsync(accepted, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_the_service_already_accepted_does_not_make_a_tampered_copy_pass()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-tamper");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();
        var token = PollClient.Token(alice);
        var parts = token.Split('.');
        // Same header and payload with another signature; and alice's signature over a payload naming someone else.
        var badSignature = $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}";
        var payload = System.Text.Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("lp-tamper", "lp-tampex", StringComparison.Ordinal);
        var otherUser = $"{parts[0]}.{Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(payload))}.{parts[2]}";
        Assert.NotEqual(parts[1], otherUser.Split('.')[1]);

        // Several rounds, so that both legacy replicas have accepted (and remembered) the real token first.
        for (var round = 0; round < 4; round++)
        {
            // The real token is accepted (the cursor may move past other users' events meanwhile).
            var answer = await poll.PollAsync(queue, start);
            Assert.True(answer.LastEventId >= start);
            foreach (var forged in new[] { badSignature, otherUser })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/poll/queues/{queue}/events?lastEventId={start}&dont_block=true", UriKind.Relative));
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", forged);
                using var refused = await poll.Client.SendAsync(request, TestContext.Current.CancellationToken);
                await Json.ProblemAsync(refused, HttpStatusCode.Unauthorized, "token_invalid");
            }
        }
    }

    private static byte[] Base64UrlDecode(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
