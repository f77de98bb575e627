using System.Text;
using System.Text.Json;
using ChatMesh.Chat.Webhooks;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Overrides;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.EndToEnd.Tests.Webhooks;

/// <summary>Outbound webhooks against the real system: signed deliveries of WebSocket messages, retries, disabling, SSRF.</summary>
public sealed class OutboundWebhookTests(ChatMeshAppFixture fixture)
{
    private static readonly WebhookVerifier Verifier = new(TimeProvider.System);

    [Fact]
    public async Task A_websocket_message_arrives_signed_with_its_event_id_and_a_trace()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "whsig");
        var endpoint = await owner.RegisterAsync(receiver.Path("signed", WebhookReceiver.Status(204)), eventTypes: ["message.*"]);
        var secret = WebhookSecret.Parse(endpoint.GetProperty("secret").GetString()!);
        Assert.StartsWith("whsec_", endpoint.GetProperty("secret").GetString(), StringComparison.Ordinal);

        var id = await owner.SendOverWebSocketAsync(fixture, "hello hooks");

        var request = (await receiver.WaitForAsync("signed", requests => requests.Any(r => r.Id == $"{id}"))).Single(r => r.Id == $"{id}");
        Assert.True(Verifier.Verify(request.Headers, request.Body, secret).IsValid);
        Assert.Equal("application/json", request.Headers.ContentType.ToString());
        Assert.Equal("ChatMesh-Webhooks/1", request.Headers.UserAgent.ToString());
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", request.Headers["traceparent"].ToString());
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(id, body.RootElement.GetProperty("id").GetInt64());
        Assert.Equal("message.created", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("hello hooks", body.RootElement.GetProperty("data").GetProperty("text").GetString());

        // Only message.* was asked for: the room's own creation/join events were never sent.
        Assert.All(receiver.On("signed"), r => Assert.StartsWith("message.", JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString(), StringComparison.Ordinal));
        Assert.Single(receiver.On("signed"), r => r.Id == $"{id}");
    }

    [Fact]
    public async Task After_rotation_both_secrets_sign_each_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "whrot");
        var endpoint = await owner.RegisterAsync(receiver.Path("rotated", WebhookReceiver.Status(200)), eventTypes: ["message.created"]);
        var endpointId = endpoint.GetProperty("id").GetString();
        var oldSecret = WebhookSecret.Parse(endpoint.GetProperty("secret").GetString()!);

        using var rotate = await owner.Api.PostAsync($"/api/webhooks/endpoints/{endpointId}/secret/rotate");
        var rotated = await Json.ReadAsync(rotate, HttpStatusCode.OK);
        var newSecret = WebhookSecret.Parse(rotated.GetProperty("secret").GetString()!);
        Assert.True(rotated.TryGetProperty("previousSecretExpiresAt", out _));

        // The secret is shown once: never in a read.
        Assert.False((await owner.GetAsync($"/api/webhooks/endpoints/{endpointId}")).TryGetProperty("secret", out _));

        var id = await owner.SendOverWebSocketAsync(fixture, "rotating");
        var request = (await receiver.WaitForAsync("rotated", requests => requests.Any(r => r.Id == $"{id}"))).Single(r => r.Id == $"{id}");
        Assert.Equal(2, request.Headers["webhook-signature"].ToString().Split(' ').Length);
        Assert.True(Verifier.Verify(request.Headers, request.Body, newSecret).IsValid);
        Assert.True(Verifier.Verify(request.Headers, request.Body, oldSecret).IsValid);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_the_same_id_and_logged_then_replay_sends_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "wh500");
        var url = receiver.Path("flaky", async (n, context) =>
        {
            context.Response.StatusCode = n <= 2 ? 500 : 200;
            await context.Response.WriteAsync(n <= 2 ? "broken" : "fine", context.RequestAborted);
        });
        var endpointId = (await owner.RegisterAsync(url, eventTypes: ["message.created"])).GetProperty("id").GetString();

        var id = await owner.SendOverWebSocketAsync(fixture, "try again");

        var requests = await receiver.WaitForAsync("flaky", r => r.Count >= 3);
        Assert.All(requests, r => Assert.Equal($"{id}", r.Id));
        var attempts = await owner.WaitForAsync(
            $"/api/webhooks/endpoints/{endpointId}/messages/{id}/attempts", a => a.GetArrayLength() == 3);
        var ordered = attempts.EnumerateArray().Reverse().ToArray();
        Assert.Equal(["http_status", "http_status", null], ordered.Select(a => a.GetProperty("error").GetString()));
        Assert.Equal([500, 500, 200], ordered.Select(a => a.GetProperty("status").GetInt32()));
        Assert.Equal("broken", ordered[0].GetProperty("responseBody").GetString());
        Assert.True(ordered[2].GetProperty("success").GetBoolean());
        Assert.Equal(3, (await owner.GetAsync($"/api/webhooks/endpoints/{endpointId}/attempts")).GetArrayLength());

        using var replay = await owner.Api.PostAsync($"/api/webhooks/endpoints/{endpointId}/messages/{id}/replay");
        await Json.ReadAsync(replay, HttpStatusCode.Accepted);
        await receiver.WaitForAsync("flaky", r => r.Count == 4);
        Assert.Equal($"{id}", receiver.On("flaky")[3].Id);

        // Every POST, retries and the replay included, carries a traceparent in the trace the message was sent in.
        var traceIds = receiver.On("flaky").Select(r => r.Headers["traceparent"].ToString()).Select(tp => tp.Split('-') is [_, var trace, _, _] ? trace : tp).ToList();
        Assert.All(traceIds, trace => Assert.Matches("^[0-9a-f]{32}$", trace));
        Assert.Single(traceIds.Distinct());
    }

    [Fact]
    public async Task A_timeout_is_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "whslow");
        var hang = receiver.Hang();
        var url = receiver.Path("slow", (n, context) => n == 1 ? hang(n, context) : Task.CompletedTask);
        var endpointId = (await owner.RegisterAsync(url, eventTypes: ["message.created"])).GetProperty("id").GetString();

        var id = await owner.SendOverWebSocketAsync(fixture, "wait for it");

        var requests = await receiver.WaitForAsync("slow", r => r.Count >= 2);
        Assert.Equal($"{id}", requests[1].Id);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(IntegrationOverrides.DeliveryTimeoutSeconds - 0.5));
        var attempts = await owner.WaitForAsync($"/api/webhooks/endpoints/{endpointId}/messages/{id}/attempts", a => a.GetArrayLength() == 2);
        Assert.Equal("timeout", attempts[1].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Gone_disables_the_endpoint()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "wh410");
        var endpointId = (await owner.RegisterAsync(receiver.Path("gone", WebhookReceiver.Status(410)), eventTypes: ["message.created"]))
            .GetProperty("id").GetString();

        await owner.SendOverWebSocketAsync(fixture, "anyone there?");

        var endpoint = await owner.WaitForAsync($"/api/webhooks/endpoints/{endpointId}", e => !e.GetProperty("enabled").GetBoolean());
        Assert.Equal("gone", endpoint.GetProperty("disabledReason").GetString());
        Assert.Single(receiver.On("gone"));

        // The owner is told through the operational events.
        var operational = await owner.WaitForAsync("/api/webhooks/operational-events", events => events.GetArrayLength() >= 2);
        Assert.Contains(operational.EnumerateArray(), e => e.GetProperty("type").GetString() == "endpoint.disabled"
            && e.GetProperty("endpoint").GetString() == endpointId && e.GetProperty("reason").GetString() == "gone");
        Assert.Contains(operational.EnumerateArray(), e => e.GetProperty("type").GetString() == "message.attempt.exhausted"
            && e.GetProperty("endpoint").GetString() == endpointId && e.GetProperty("attempts").GetInt32() == 1);

        // Disabled: the next message is not sent.
        var next = await owner.SendOverWebSocketAsync(fixture, "still there?");
        var probe = await owner.RegisterAsync(receiver.Path("probe", WebhookReceiver.Status(200)), eventTypes: ["message.created"]);
        var after = await owner.SendOverWebSocketAsync(fixture, "probe");
        await receiver.WaitForAsync("probe", r => r.Any(x => x.Id == $"{after}"));
        Assert.DoesNotContain(receiver.On("gone"), r => r.Id == $"{next}");
        Assert.NotNull(probe.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Retry_after_on_429_is_honoured()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "wh429");
        var url = receiver.Path("busy", (n, context) =>
        {
            if (n == 1)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "2";
            }

            return Task.CompletedTask;
        });
        await owner.RegisterAsync(url, eventTypes: ["message.created"]);

        await owner.SendOverWebSocketAsync(fixture, "not so fast");

        var requests = await receiver.WaitForAsync("busy", r => r.Count >= 2);
        // The schedule alone would retry after ~300 ms.
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(1.9), $"retried after {requests[1].At - requests[0].At}");
        Assert.Equal(requests[0].Id, requests[1].Id);
    }

    [Fact]
    public async Task A_hanging_endpoint_does_not_delay_another()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var stuck = await WebhookOwner.CreateAsync(fixture, "whstuck");
        using var healthy = await WebhookOwner.CreateAsync(fixture, "whfast");
        await stuck.RegisterAsync(receiver.Path("stuck", receiver.Hang()), eventTypes: ["message.created"]);
        await healthy.RegisterAsync(receiver.Path("fast", WebhookReceiver.Status(200)), eventTypes: ["message.created"]);

        const int messages = 5;
        for (var i = 0; i < messages; i++)
        {
            await stuck.SendOverWebSocketAsync(fixture, $"stuck {i}");
        }

        await receiver.WaitForAsync("stuck", r => receiver.Hanging >= IntegrationOverrides.MaxConcurrencyPerEndpoint);
        var ids = new List<long>();
        for (var i = 0; i < messages; i++)
        {
            ids.Add(await healthy.SendOverWebSocketAsync(fixture, $"fast {i}"));
        }

        await receiver.WaitForAsync("fast", r => ids.All(id => r.Any(x => x.Id == $"{id}")));
        // Everything for the healthy endpoint arrived while the stuck one was still holding its requests open.
        Assert.True(receiver.Hanging > 0, "the stuck endpoint's requests had already timed out");
        Assert.True(receiver.MaxHanging <= IntegrationOverrides.MaxConcurrencyPerEndpoint, $"{receiver.MaxHanging} requests in flight to one endpoint");
    }

    [Theory]
    [InlineData("http://10.1.2.3/hook", "target_not_allowed")]
    [InlineData("http://169.254.169.254/latest/meta-data", "target_not_allowed")]
    [InlineData("http://[fd00::1]/hook", "target_not_allowed")]
    [InlineData("http://[::ffff:192.168.1.1]/hook", "target_not_allowed")]
    [InlineData("ftp://example.com/hook", "invalid_url")]
    public async Task Targets_inside_the_network_are_refused_at_registration(string url, string error)
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "whssrf");
        using var response = await owner.Api.PostAsync("/api/webhooks/endpoints", new { url });
        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task A_hostname_resolving_to_loopback_is_refused_when_loopback_is_not_allow_listed()
    {
        // Only the receivers' address is allow-listed; localhost (127.0.0.1, ::1) and 127.0.0.1 itself stay refused.
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "whlocal");
        var port = new Uri(receiver.BaseUrl).Port;
        foreach (var url in new[] { $"http://localhost:{port}/hook", $"http://127.0.0.1:{port}/hook", "http://[::1]/hook" })
        {
            using var response = await owner.Api.PostAsync("/api/webhooks/endpoints", new { url });
            var problem = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "target_not_allowed");
            // The refusal tells a developer trying a local receiver what to set.
            var detail = problem.GetProperty("detail").GetString();
            Assert.Contains("Integration:Ssrf:AllowedRanges", detail, StringComparison.Ordinal);
            Assert.Contains("ChatMesh__Webhooks__AllowLocalReceivers=true", detail, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await owner.GetAsync("/api/webhooks/endpoints")).GetArrayLength());
    }

    [Fact]
    public async Task Endpoints_belong_to_their_owner()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var owner = await WebhookOwner.CreateAsync(fixture, "whown");
        using var other = await WebhookOwner.CreateAsync(fixture, "whoth");
        var endpointId = (await owner.RegisterAsync(receiver.Path("owned"))).GetProperty("id").GetString();

        using var peek = await other.Api.GetAsync($"/api/webhooks/endpoints/{endpointId}");
        await Json.ProblemAsync(peek, HttpStatusCode.NotFound, "endpoint_not_found");
        Assert.Equal(1, (await owner.GetAsync("/api/webhooks/endpoints")).GetArrayLength());

        using var delete = await owner.Api.SendAsync(HttpMethod.Delete, $"/api/webhooks/endpoints/{endpointId}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(0, (await owner.GetAsync("/api/webhooks/endpoints")).GetArrayLength());

        using var document = await owner.Api.GetAsync("/api/webhooks/openapi/v1.json");
        Assert.Contains("/api/webhooks/endpoints", Encoding.UTF8.GetString(await document.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_requests_get_problem_details_with_an_error_code()
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "whbad");
        using var stranger = await WebhookOwner.CreateAsync(fixture, "whbad2");

        using var malformed = await owner.Api.Client.PostAsync(
            new Uri("/api/webhooks/endpoints", UriKind.Relative),
            new StringContent("{not json", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await Json.ProblemAsync(malformed, HttpStatusCode.BadRequest, "invalid_request");

        using var badType = await owner.Api.PostAsync("/api/webhooks/endpoints", new { url = "http://127.0.0.1:9/x", eventTypes = new[] { "typing" } });
        await Json.ProblemAsync(badType, HttpStatusCode.BadRequest, "invalid_argument");

        // A room filter may only name rooms the owner is a member of.
        using var notMine = await owner.Api.PostAsync("/api/webhooks/endpoints", new { url = "http://127.0.0.1:9/x", rooms = new[] { stranger.Room } });
        await Json.ProblemAsync(notMine, HttpStatusCode.Forbidden, "not_member");

        using var anonymous = ApiUser.CreateCookielessClient(fixture, "web");
        using var noToken = await anonymous.GetAsync(new Uri("/api/webhooks/endpoints", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

        using var unknown = await owner.Api.GetAsync("/api/webhooks/endpoints/ep_000000000000000000000000/attempts");
        await Json.ProblemAsync(unknown, HttpStatusCode.NotFound, "endpoint_not_found");
    }
}
