using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatMesh.Chat.Webhooks;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Webhooks;

/// <summary>Inbound hooks: <c>POST /hooks/{token}</c> through the edge posts into the room as the hook's bot.</summary>
public sealed class InboundHookTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(WebhookOwner Owner, JsonElement Hook, HttpClient Anonymous)> CreateHookAsync(string prefix, bool signed = false)
    {
        var owner = await WebhookOwner.CreateAsync(fixture, prefix);
        using var response = await owner.Api.PostAsync("/api/webhooks/incoming", new { room = owner.Room, name = "CI", signed });
        var hook = await Json.ReadAsync(response, HttpStatusCode.Created);
        return (owner, hook, ApiUser.CreateCookielessClient(fixture, "web"));
    }

    private static HttpRequestMessage Post(JsonElement hook, string json, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hook.GetProperty("url").GetString()!, UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    private static async Task<JsonElement[]> MessagesAsync(WebhookOwner owner) =>
        [.. (await owner.GetAsync($"/api/rooms/{owner.Room}/messages")).GetProperty("messages").EnumerateArray()];

    [Fact]
    public async Task A_post_lands_in_the_room_as_the_hooks_bot_once_even_when_repeated()
    {
        var (owner, hook, anonymous) = await CreateHookAsync("hookin");
        using (owner)
        using (anonymous)
        {
            Assert.Matches("^/hooks/[A-Za-z0-9_-]{43}$", hook.GetProperty("url").GetString()!);
            var bot = hook.GetProperty("bot").GetString()!;

            await using var socket = await WsClient.ConnectAsync(fixture, owner.Token);
            await socket.SendAsync(new { type = "subscribe", @ref = "sub" });
            await socket.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");

            using var first = await anonymous.SendAsync(Post(hook, """{"text":"build passed","username":"Jenkins"}""", "build-42"), Cancel);
            var created = await Json.ReadAsync(first, HttpStatusCode.Created);
            using var again = await anonymous.SendAsync(Post(hook, """{"text":"build passed","username":"Jenkins"}""", "build-42"), Cancel);
            var repeated = await Json.ReadAsync(again, HttpStatusCode.OK);
            Assert.True(repeated.GetProperty("duplicate").GetBoolean());
            Assert.Equal(created.GetProperty("id").GetInt64(), repeated.GetProperty("id").GetInt64());

            var message = Assert.Single(await MessagesAsync(owner));
            Assert.Equal(bot, message.GetProperty("author").GetString());
            Assert.Equal("build passed", message.GetProperty("text").GetString());

            // Live, the event carries the display name the poster chose.
            var live = await socket.WaitForAsync(frame => WsClient.Type(frame) == "message.created" && frame.GetProperty("room").GetString() == owner.Room);
            Assert.Equal(bot, live.GetProperty("actor").GetString());
            Assert.Equal("Jenkins", live.GetProperty("data").GetProperty("username").GetString());

            // The token is a credential: listed hooks never show it.
            var listed = Assert.Single((await owner.GetAsync("/api/webhooks/incoming")).EnumerateArray());
            Assert.False(listed.TryGetProperty("token", out _));
        }
    }

    [Fact]
    public async Task A_signed_hook_refuses_unsigned_posts_and_accepts_signed_ones()
    {
        var (owner, hook, anonymous) = await CreateHookAsync("hooksig", signed: true);
        using (owner)
        using (anonymous)
        {
            var secret = WebhookSecret.Parse(hook.GetProperty("secret").GetString()!);
            const string body = """{"text":"signed hello"}""";

            using var unsigned = await anonymous.SendAsync(Post(hook, body), Cancel);
            await Json.ProblemAsync(unsigned, HttpStatusCode.Unauthorized, "signature_invalid");

            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            using var wrong = Post(hook, body);
            wrong.Headers.Add("webhook-id", "msg_1");
            wrong.Headers.Add("webhook-timestamp", $"{timestamp}");
            wrong.Headers.Add("webhook-signature", StandardWebhooks.Sign(WebhookSecret.Generate(), "msg_1", timestamp, body));
            using var forged = await anonymous.SendAsync(wrong, Cancel);
            await Json.ProblemAsync(forged, HttpStatusCode.Unauthorized, "signature_invalid");

            for (var i = 0; i < 2; i++)
            {
                using var request = Post(hook, body);
                request.Headers.Add("webhook-id", "msg_1");
                request.Headers.Add("webhook-timestamp", $"{timestamp}");
                request.Headers.Add("webhook-signature", StandardWebhooks.Sign(secret, "msg_1", timestamp, body));
                using var response = await anonymous.SendAsync(request, Cancel);
                await Json.ReadAsync(response, i == 0 ? HttpStatusCode.Created : HttpStatusCode.OK); // webhook-id dedupes
            }

            Assert.Single(await MessagesAsync(owner));
        }
    }

    [Fact]
    public async Task Oversized_bodies_unknown_tokens_and_floods_are_refused()
    {
        var (owner, hook, anonymous) = await CreateHookAsync("hookbad");
        using (owner)
        using (anonymous)
        {
            var big = JsonSerializer.Serialize(new { text = new string('x', IntegrationOverrides.HookMaxBodyBytes + 10) });
            using var tooBig = await anonymous.SendAsync(Post(hook, big), Cancel);
            await Json.ProblemAsync(tooBig, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

            using var unknown = await anonymous.PostAsJsonAsync("/hooks/not-a-real-token", new { text = "hi" }, Cancel);
            await Json.ProblemAsync(unknown, HttpStatusCode.NotFound, "hook_not_found");

            using var noText = await anonymous.SendAsync(Post(hook, """{"username":"x"}"""), Cancel);
            await Json.ProblemAsync(noText, HttpStatusCode.BadRequest, "invalid_request");

            // A fixed one-minute window: within two windows' worth of posts one must be refused.
            HttpResponseMessage? limited = null;
            for (var i = 0; i < (2 * IntegrationOverrides.HookPerMinute) + 2 && limited is null; i++)
            {
                var response = await anonymous.SendAsync(Post(hook, $$"""{"text":"flood {{i}}"}"""), Cancel);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    limited = response;
                }
                else
                {
                    response.Dispose();
                }
            }

            Assert.NotNull(limited);
            using (limited)
            {
                Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
                await Json.ProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate_limited");
            }
        }
    }

    [Fact]
    public async Task Only_room_members_create_hooks_and_deleting_one_stops_it()
    {
        var (owner, hook, anonymous) = await CreateHookAsync("hookdel");
        using (owner)
        using (anonymous)
        using (var stranger = await WebhookOwner.CreateAsync(fixture, "hookstr"))
        {
            using var refused = await stranger.Api.PostAsync("/api/webhooks/incoming", new { room = owner.Room, name = "intruder" });
            await Json.ProblemAsync(refused, HttpStatusCode.Forbidden, "not_member");

            using var delete = await owner.Api.SendAsync(HttpMethod.Delete, $"/api/webhooks/incoming/{hook.GetProperty("id").GetString()}");
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
            using var gone = await anonymous.SendAsync(Post(hook, """{"text":"late"}"""), Cancel);
            await Json.ProblemAsync(gone, HttpStatusCode.NotFound, "hook_not_found");
        }
    }
}
