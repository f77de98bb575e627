using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Webhooks;
using CsCheck;

namespace ChatMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// Property-based fuzzing (CsCheck) of the REST JSON inputs against the real AppHost: a few hundred generated hostile bodies
/// per endpoint. Every answer is a success or a documented status with RFC 9457 problem details and a documented
/// <c>error</c> code (docs/rest-api.md, docs/protocol.md) — never a 500 — and afterwards the endpoint still serves a valid
/// request. A failure prints the generated body and CsCheck's seed (rerun with <c>CsCheck_Seed=…</c> to reproduce).
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class RestFuzzTests(ChatMeshAppFixture fixture)
{
    private const int Bodies = 200;
    private const int GatewayMaxBodyBytes = 65536;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly Dictionary<int, string[]> MessageAnswers = new()
    {
        [400] = ["invalid_request", "invalid_argument", "text_too_long"],
        [404] = ["message_not_found"],
        [413] = ["payload_too_large"],
        [415] = ["unsupported_media_type"],
    };

    [Fact]
    public async Task Message_send_answers_every_hostile_body_with_a_documented_status()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "fuzzmsg");
        var room = Names.Room("fuzzmsg");
        await alice.CreateRoomAsync(room);
        var bodies = BodyGenerators.For(["text", "replyTo", "idempotencyKey", "room", "author"], ["hello", "hi @bob", "1", room], GatewayMaxBodyBytes);

        await FuzzAsync(bodies, body => SendAsync(alice.Client, $"/api/rooms/{room}/messages", body), MessageAnswers);

        await alice.PostMessageAsync(room, "still serving");
    }

    [Fact]
    public async Task Room_create_answers_every_hostile_body_with_a_documented_status()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "fuzzroom");
        var taken = Names.Room("fuzzroom");
        await alice.CreateRoomAsync(taken);
        var bodies = BodyGenerators.For(["id", "name", "kind", "topic", "owner"],
            [taken, "public", "private", "direct", "Room", "dm:a:b", Names.Room("fz")], GatewayMaxBodyBytes);

        await FuzzAsync(bodies, body => SendAsync(alice.Client, "/api/rooms", body), new()
        {
            [400] = ["invalid_request", "invalid_argument"],
            [409] = ["room_exists"],
            [413] = ["payload_too_large"],
            [415] = ["unsupported_media_type"],
        });

        await alice.CreateRoomAsync(Names.Room("fuzzroom-after"));
    }

    [Fact]
    public async Task Webhook_endpoint_registration_answers_every_hostile_body_with_a_documented_status()
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "fuzzhook");
        var allowed = $"http://{WebhookReceiver.Address}:9/fuzz";
        var bodies = BodyGenerators.For(["url", "description", "eventTypes", "rooms", "enabled"],
        [
            allowed, "http://127.0.0.1/", "http://169.254.169.254/", "https://hooks.invalid/x", "ftp://x/", "http://2130706433/",
            "message.created", "message.*", owner.Room, "no-such-room", "true",
        ], GatewayMaxBodyBytes);

        // Through the edge, as a user's client sends it (an oversized body was an empty 502 there: security.md row 83b).
        await FuzzAsync(bodies, body => SendAsync(owner.Api.Client, "/api/webhooks/endpoints", body), new()
        {
            [400] = ["invalid_request", "invalid_argument", "invalid_url", "target_not_allowed", "target_unresolvable"],
            [403] = ["not_member"],
            [404] = ["room_not_found"],
            [409] = ["limit_reached"],
            [413] = ["payload_too_large"],
            [415] = ["unsupported_media_type"],
        });

        // Whatever the fuzzer registered, the user can still list, and (if under the limit) register a valid endpoint.
        var endpoints = await owner.Api.GetJsonAsync("/api/webhooks/endpoints");
        foreach (var endpoint in endpoints.EnumerateArray())
        {
            using var deleted = await owner.Api.SendAsync(HttpMethod.Delete, $"/api/webhooks/endpoints/{endpoint.GetProperty("id").GetString()}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await owner.RegisterAsync(allowed);
    }

    [Fact]
    public async Task Inbound_hook_posts_answer_every_hostile_body_with_a_documented_status()
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "fuzzin");
        // Each hook takes IntegrationOverrides.HookPerMinute posts a minute: enough hooks that the bodies, not the limit, are judged.
        var hooks = new List<string>();
        for (var i = 0; i < Bodies / IntegrationOverrides.HookPerMinute + 2; i++) // 42, under the 50 hooks a user may hold
        {
            using var created = await owner.Api.PostAsync("/api/webhooks/incoming", new { room = owner.Room, name = $"fuzz {i}" });
            hooks.Add((await Json.ReadAsync(created, HttpStatusCode.Created)).GetProperty("url").GetString()!);
        }

        using var anonymous = ApiUser.CreateCookielessClient(fixture, "web");
        var next = -1;
        var bodies = BodyGenerators.For(["text", "username", "icon_emoji", "channel"], ["hello", "Deploy bot", "ok"], IntegrationOverrides.HookMaxBodyBytes);

        await FuzzAsync(bodies, body => SendAsync(anonymous, hooks[Interlocked.Increment(ref next) % (hooks.Count - 1)], body), new()
        {
            [400] = ["invalid_request", "invalid_argument", "text_too_long"],
            [413] = ["payload_too_large"],
            [429] = ["rate_limited"],
        });

        using var last = await anonymous.PostAsync(hooks[^1], JsonContent.Create(new { text = "still serving" }), Cancel);
        await Json.ReadAsync(last, HttpStatusCode.Created);
    }

    /// <summary>Runs <see cref="Bodies"/> generated bodies; each answer must be 2xx or a documented problem.</summary>
    private static Task FuzzAsync(Gen<HostileBody> bodies, Func<HostileBody, Task<HttpResponseMessage>> send, Dictionary<int, string[]> documented) =>
        bodies.SampleAsync(async body =>
        {
            HttpResponseMessage response;
            try
            {
                response = await send(body);
            }
            catch (HttpRequestException) when (body.Bytes.Length > GatewayMaxBodyBytes / 8)
            {
                // A server may answer 413 and close while a large body is still being uploaded: the client then sees the
                // connection end instead of the answer. Only bodies over a cap get there; small ones must be answered.
                return;
            }

            using var answered = response;
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(Cancel);
            if (status is >= 200 and < 300)
            {
                return;
            }

            Assert.True(documented.TryGetValue(status, out var errors), $"Undocumented status {status}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(text);
            var error = problem.RootElement.GetProperty("error").GetString();
            Assert.True(errors.Contains(error), $"Status {status} with undocumented error '{error}': {text}");
            Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        }, iter: Bodies, threads: 2, print: body => body.ToString());

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, HostileBody body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body.Bytes) };
        if (body.ContentType is { } type)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }

        // A fresh connection per request: a connection the server closed after refusing a large body is never reused.
        request.Headers.ConnectionClose = true;
        return await client.SendAsync(request, Cancel);
    }
}
