using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.EndToEnd.Tests.Webhooks;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// The rows of the hostile-input catalogue (docs/security.md) that no other test covered, against the real AppHost:
/// forged tokens on every service, tokens in the wrong place, hostile WebSocket frames, broken REST and long-poll bodies,
/// stream headers, SSRF spellings, header injection, redirects to inside addresses and slowloris clients.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class HostileInputTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>One token-accepting route per service, each asked without a body it could refuse first.</summary>
    private static readonly (string Resource, HttpMethod Method, string Path)[] TokenRoutes =
    [
        ("gateway", HttpMethod.Get, "/api/rooms"),
        ("notification", HttpMethod.Get, "/api/notifications"),
        ("legacy", HttpMethod.Post, "/poll/queues"),
        ("integration", HttpMethod.Get, "/api/webhooks/endpoints"),
        ("web", HttpMethod.Get, "/api/rooms"),
    ];

    [Fact]
    public async Task Forged_tokens_are_401_token_invalid_on_every_service_and_on_the_websocket_handshake()
    {
        foreach (var (kind, make) in ForgedTokens.All)
        {
            var token = make("mallory");
            foreach (var (resource, method, path) in TokenRoutes)
            {
                using var client = ApiUser.CreateCookielessClient(fixture, resource);
                using var request = new HttpRequestMessage(method, path);
                request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
                using var response = await client.SendAsync(request, Cancel);
                var problem = await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "token_invalid");
                Assert.True(problem.GetProperty("status").GetInt32() == 401, $"{kind} on {resource} {path}");
            }

            var refused = await Assert.ThrowsAsync<HandshakeRefusedException>(() => WsClient.ConnectAsync(fixture, token));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        }
    }

    [Fact]
    public async Task Tokens_in_the_wrong_place_are_refused()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "wrongplace");
        var token = alice.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        using var anonymous = ApiUser.CreateCookielessClient(fixture, "gateway");

        // In the query of a REST route: refused, because URLs end up in logs.
        using var query = await anonymous.GetAsync($"/api/rooms?access_token={token}", Cancel);
        await Json.ProblemAsync(query, HttpStatusCode.Unauthorized, "token_query_not_allowed");

        // In a header of its own, or with another scheme: there is no token.
        using var custom = new HttpRequestMessage(HttpMethod.Get, "/api/rooms");
        custom.Headers.TryAddWithoutValidation("X-Access-Token", token);
        using var customAnswer = await anonymous.SendAsync(custom, Cancel);
        await Json.ProblemAsync(customAnswer, HttpStatusCode.Unauthorized, "token_missing");

        using var basic = new HttpRequestMessage(HttpMethod.Get, "/api/rooms");
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes($"alice:{token}")));
        using var basicAnswer = await anonymous.SendAsync(basic, Cancel);
        await Json.ProblemAsync(basicAnswer, HttpStatusCode.Unauthorized, "token_missing");

        // In a JSON body: ignored, the request is anonymous.
        using var body = await anonymous.PostAsync("/api/rooms", JsonContent.Create(new { token, access_token = token, id = "x", name = "x", kind = "public" }), Cancel);
        await Json.ProblemAsync(body, HttpStatusCode.Unauthorized, "token_missing");

        // In the integration service's query as well.
        using var integration = ApiUser.CreateCookielessClient(fixture, "integration");
        using var hooks = await integration.GetAsync($"/api/webhooks/endpoints?access_token={token}", Cancel);
        await Json.ProblemAsync(hooks, HttpStatusCode.Unauthorized, "token_query_not_allowed");
    }

    [Fact]
    public async Task Hostile_websocket_frames_get_their_documented_error_codes_and_the_connection_keeps_its_user()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "wsframes");
        using var bob = await ChatUser.SignInAsync(fixture, "wsother");
        var room = await alice.CreateRoomAsync();
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        var deep = string.Concat(Enumerable.Repeat("[", 64)) + string.Concat(Enumerable.Repeat("]", 64));
        var cases = new (string Ref, string Frame, string Code)[]
        {
            ("wrong-type", $$"""{"type":"send","ref":"wrong-type","room":5,"text":"x"}""", "invalid_json"),
            ("huge-number", $$"""{"type":"read","ref":"huge-number","room":"{{room}}","eventId":99999999999999999999999}""", "invalid_json"),
            ("float-id", $$"""{"type":"delete","ref":"float-id","room":"{{room}}","messageId":1e400}""", "invalid_json"),
            ("deep", $$"""{"type":"send","ref":"deep","room":"{{room}}","text":{{deep}}}""", "invalid_json"),
            ("no-type", """{"ref":"no-type","room":"x"}""", "invalid_frame"),
            ("ref-too-long", $$"""{"type":"ping","ref":"{{new string('r', 65)}}"}""", "invalid_frame"),
            ("long-text", $$"""{"type":"send","ref":"long-text","room":"{{room}}","text":"{{new string('t', 4001)}}"}""", "text_too_long"),
            ("bad-key", $$"""{"type":"send","ref":"bad-key","room":"{{room}}","text":"x","key":"a\u0007b"}""", "invalid_argument"),
            ("foreign-room", """{"type":"send","ref":"foreign-room","room":"no-such-room-anywhere","text":"x"}""", "room_not_found"),
            ("no-message", $$"""{"type":"edit","ref":"no-message","room":"{{room}}","messageId":987654321,"text":"x"}""", "message_not_found"),
            ("other-user", $$"""{"type":"auth","ref":"other-user","token":"{{bob.Token}}"}""", "token_invalid"),
            ("expired", $$"""{"type":"auth","ref":"expired","token":"{{TestTokens.Create(alice.Name, DateTimeOffset.UtcNow.AddMinutes(-5))}}"}""", "token_expired"),
            ("alg-none", $$"""{"type":"auth","ref":"alg-none","token":"{{ForgedTokens.Make(alice.Name, alg: "none")}}"}""", "token_invalid"),
            ("negative-after", """{"type":"subscribe","ref":"negative-after","after":-1}""", "invalid_frame"),
            ("future-after", """{"type":"subscribe","ref":"future-after","after":9000000000000000000}""", "cursor_from_future"),
        };

        foreach (var (reference, frame, code) in cases)
        {
            // Frames that cannot be read (or whose ref is refused) are answered without a ref: take the next answer.
            var from = ws.Frames.Count;
            await ws.SendRawAsync(frame);
            var answer = await ws.WaitForAsync(f => WsClient.Type(f) is "error" or "ack" or "pong" or "authenticated", from: from);
            Assert.True(WsClient.Type(answer) == "error" && answer.GetProperty("code").GetString() == code, $"{reference}: {answer}");
        }

        // A second subscribe after a good one; the connection still sends as alice.
        await ws.SendAsync(new { type = "subscribe", @ref = "first" });
        await ws.WaitForAsync(f => WsClient.Type(f) == "subscribed");
        await ws.SendAsync(new { type = "subscribe", @ref = "second" });
        var again = await ws.WaitForAsync(f => WsClient.Type(f) == "error" && RefOf(f) == "second");
        Assert.Equal("already_subscribed", again.GetProperty("code").GetString());
        await ws.SendAsync(new { type = "send", @ref = "still-alice", room, text = "after the hostile frames" });
        await ws.WaitForAsync(f => WsClient.Type(f) == "ack" && RefOf(f) == "still-alice");
        using var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        var message = Assert.Single(history.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal(alice.Name, message.GetProperty("author").GetString());
    }

    private static string? RefOf(JsonElement frame) => frame.TryGetProperty("ref", out var reference) ? reference.GetString() : null;

    [Fact]
    public async Task A_handshake_with_only_foreign_subprotocols_or_a_null_origin_is_refused_before_the_upgrade()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "wshandshake");

        using (var foreign = new ClientWebSocket())
        {
            foreign.Options.AddSubProtocol("graphql-ws");
            foreign.Options.SetRequestHeader("Authorization", $"Bearer {alice.Token}");
            foreign.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(WsClient.Endpoint(fixture), Cancel));
            Assert.Equal(HttpStatusCode.BadRequest, foreign.HttpStatusCode);
        }

        // A sandboxed iframe or a file: page sends "Origin: null".
        var nullOrigin = await Assert.ThrowsAsync<HandshakeRefusedException>(() =>
            WsClient.ConnectAsync(fixture, alice.Token, configure: options => options.SetRequestHeader("Origin", "null")));
        Assert.Equal(HttpStatusCode.Forbidden, nullOrigin.Status);

        // A look-alike of the ChatMesh origin.
        var lookalike = await Assert.ThrowsAsync<HandshakeRefusedException>(() =>
            WsClient.ConnectAsync(fixture, alice.Token, configure: options => options.SetRequestHeader("Origin", "http://localhost.evil.example")));
        Assert.Equal(HttpStatusCode.Forbidden, lookalike.Status);
    }

    [Fact]
    public async Task Broken_rest_bodies_are_400_problems_and_the_body_cannot_choose_the_author()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "restbody");
        var room = Names.Room("restbody");
        await alice.CreateRoomAsync(room);
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + string.Concat(Enumerable.Repeat("}", 200));
        var bodies = new (byte[] Body, string Error)[]
        {
            (Encoding.UTF8.GetBytes(deep), "invalid_request"),
            (Encoding.UTF8.GetBytes("{\"text\":" + deep + "}"), "invalid_request"),
            ([.. "{\"text\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8], "invalid_request"),
            (Encoding.UTF8.GetBytes("{\"text\":\"x\",\"replyTo\":99999999999999999999999}"), "invalid_request"),
            (Encoding.UTF8.GetBytes("{\"text\":\"x\",\"replyTo\":1e400}"), "invalid_request"),
            (Encoding.UTF8.GetBytes("{\"text\":\"x\""), "invalid_request"),
            (Encoding.UTF8.GetBytes("{\"text\":[\"x\"]}"), "invalid_request"),
            (Encoding.UTF8.GetBytes("{\"text\":\"" + new string('x', 4001) + "\"}"), "text_too_long"),
            (Encoding.UTF8.GetBytes("{\"text\":\"\"}"), "invalid_argument"),
        };

        foreach (var (body, error) in bodies)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await alice.Client.PostAsync($"/api/rooms/{room}/messages", content, Cancel);
            await Json.ProblemAsync(response, HttpStatusCode.BadRequest, error);
        }

        // Fields that would name another user are not part of the body: the author is the token's user.
        using var forged = await alice.PostAsync($"/api/rooms/{room}/messages", new { text = "who am i", author = "mallory", actor = "mallory", user = "mallory" });
        await Json.ReadAsync(forged, HttpStatusCode.Created);
        var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Equal(alice.Id, Assert.Single(history.GetProperty("messages").EnumerateArray()).GetProperty("author").GetString());

        // A huge room id in the path is a domain refusal, not a crash.
        using var longRoom = await alice.PostAsync($"/api/rooms/{new string('r', 4000)}/messages", new { text = "x" });
        Assert.True(longRoom.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{longRoom.StatusCode}");
        Assert.Equal("application/problem+json", longRoom.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Broken_long_poll_bodies_and_media_types_are_problems()
    {
        using var signedIn = await ApiUser.SignInAsync(fixture, "pollbody");
        var room = Names.Room("pollbody");
        await signedIn.CreateRoomAsync(room);
        using var alice = new ApiUser(ApiUser.CreateCookielessClient(fixture, "legacy"), signedIn.Id);
        alice.Client.DefaultRequestHeaders.Authorization = signedIn.Client.DefaultRequestHeaders.Authorization;
        var cases = new (string Path, string Body, string MediaType, HttpStatusCode Status, string Error)[]
        {
            ("/poll/queues", "{\"rooms\":", "application/json", HttpStatusCode.BadRequest, "invalid_request"),
            ("/poll/queues", "{\"rooms\":\"general\"}", "application/json", HttpStatusCode.BadRequest, "invalid_request"),
            ("/poll/queues", string.Concat(Enumerable.Repeat("[", 200)), "application/json", HttpStatusCode.BadRequest, "invalid_request"),
            ($"/poll/rooms/{room}/messages", "{\"text\":5}", "application/json", HttpStatusCode.BadRequest, "invalid_request"),
            ($"/poll/rooms/{room}/messages", "hello", "text/plain", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"),
            ($"/poll/rooms/{room}/read", "{\"eventId\":\"soon\"}", "application/json", HttpStatusCode.BadRequest, "invalid_request"),
        };

        foreach (var (path, body, mediaType, status, error) in cases)
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            using var response = await alice.Client.PostAsync(path, content, Cancel);
            var text = await response.Content.ReadAsStringAsync(Cancel);
            Assert.True(response.StatusCode == status, $"{path} {body}: {(int)response.StatusCode} {text}");
            Assert.Equal(error, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
        }
    }

    [Theory]
    [InlineData("/sse", "abc")]
    [InlineData("/sse", "99999999999999999999999")]
    [InlineData("/stream", "-5")]
    [InlineData("/stream", "1.5")]
    public async Task A_garbage_Last_Event_ID_is_400_invalid_argument_before_the_stream_starts(string path, string lastEventId)
    {
        using var alice = await ApiUser.SignInAsync(fixture, "sseheader");
        using var client = ApiUser.CreateCookielessClient(fixture, "notification");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = alice.Client.DefaultRequestHeaders.Authorization;
        request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task Malformed_too_many_or_no_stream_rooms_are_400_invalid_argument()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "sserooms");
        using var client = ApiUser.CreateCookielessClient(fixture, "notification");
        client.DefaultRequestHeaders.Authorization = alice.Client.DefaultRequestHeaders.Authorization;
        var malformed = new[] { "rooms=a%0D%0Ab", "rooms=" + new string('r', 5000), "rooms=%00", "rooms=dm:zed:amy", "rooms=Room!" };
        foreach (var query in malformed.Concat(["rooms=" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"r{i}")), "rooms="]))
        {
            using var response = await client.GetAsync($"/sse?{query}", HttpCompletionOption.ResponseHeadersRead, Cancel);
            await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
        }
    }

    [Theory]
    [InlineData("http://2130706433/hook")] // 127.0.0.1 as one decimal number
    [InlineData("http://0177.0.0.1/hook")] // octal
    [InlineData("http://0x7f.0x0.0x0.0x1/hook")] // hex
    [InlineData("http://127.1/hook")] // shortened
    [InlineData("http://0/hook")] // 0.0.0.0
    [InlineData("http://169.254.169.254/latest/meta-data/")] // cloud metadata
    [InlineData("http://[fe80::1]/hook")] // IPv6 link-local
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:7f00:1]/hook")] // IPv4-mapped loopback, hex form
    [InlineData("http://[64:ff9b::a9fe:a9fe]/hook")] // NAT64 of the metadata address
    [InlineData("http://[2002:a00:1::]/hook")] // 6to4 of 10.0.0.1
    [InlineData("http://100.64.0.1/hook")] // CGNAT
    [InlineData("http://localhost/hook")] // a name that resolves inside
    [InlineData("http://127.0.0.1.nip.io/hook")] // a public-looking name; unresolvable offline, refused either way
    public async Task Ssrf_targets_in_any_spelling_are_refused_at_registration(string url)
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "ssrf");
        using var response = await owner.Api.PostAsync("/api/webhooks/endpoints", new { url });
        var problem = await Json.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(problem.GetProperty("error").GetString(), new[] { "target_not_allowed", "target_unresolvable" });
        if (!url.Contains("nip.io", StringComparison.Ordinal))
        {
            Assert.Equal("target_not_allowed", problem.GetProperty("error").GetString());
        }
    }

    [Theory]
    [InlineData("http://127.0.0.2/a\r\nX-Injected: 1")]
    [InlineData("http://127.0.0.2/a\nHost: evil.example")]
    [InlineData("http://127.0.0.2\r\n.evil.example/")]
    [InlineData("http://127.0.0.2/a%0d%0aX-Injected:%201\u0000")]
    [InlineData("http://user:pw@127.0.0.2/")]
    [InlineData("http://127.0.0.2/#fragment")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    public async Task Header_injection_and_odd_schemes_in_webhook_urls_are_400_invalid_url(string url)
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "inject");
        using var response = await owner.Api.PostAsync("/api/webhooks/endpoints", new { url });
        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_url");
    }

    [Fact]
    public async Task Control_characters_in_hook_names_usernames_and_endpoint_descriptions_are_400_invalid_argument()
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "names");
        using var name = await owner.Api.PostAsync("/api/webhooks/incoming", new { room = owner.Room, name = "bot\r\nX-Injected: 1" });
        await Json.ProblemAsync(name, HttpStatusCode.BadRequest, "invalid_argument");

        await using var receiver = await WebhookReceiver.StartAsync();
        using var description = await owner.Api.PostAsync("/api/webhooks/endpoints", new { url = receiver.Path("desc"), description = "x\r\nX-Injected: 1" });
        await Json.ProblemAsync(description, HttpStatusCode.BadRequest, "invalid_argument");

        using var created = await owner.Api.PostAsync("/api/webhooks/incoming", new { room = owner.Room, name = "Deploy bot" });
        var hook = await Json.ReadAsync(created, HttpStatusCode.Created);
        using var anonymous = ApiUser.CreateCookielessClient(fixture, "web");
        using var post = await anonymous.PostAsync(hook.GetProperty("url").GetString(),
            JsonContent.Create(new { text = "hi", username = "evil\r\nX-Injected: 1" }), Cancel);
        await Json.ProblemAsync(post, HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task A_redirect_to_an_inside_address_is_not_followed_and_fails_as_redirect()
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "redirect");
        await using var receiver = await WebhookReceiver.StartAsync();
        // The redirect target is the receiver itself (allow-listed): if the sender followed it, the receiver would see it.
        var target = receiver.Path("inside");
        var url = receiver.Path("moved", (_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = target;
            return Task.CompletedTask;
        });
        var endpoint = await owner.RegisterAsync(url, eventTypes: ["message.created"]);
        var id = endpoint.GetProperty("id").GetString();

        var eventId = await owner.SendOverWebSocketAsync(fixture, "redirect me");

        var attempts = await owner.WaitForAsync($"/api/webhooks/endpoints/{id}/attempts",
            list => list.EnumerateArray().Any(attempt => attempt.GetProperty("eventId").GetInt64() == eventId));
        var attempt = attempts.EnumerateArray().First(a => a.GetProperty("eventId").GetInt64() == eventId);
        Assert.Equal("redirect", attempt.GetProperty("error").GetString());
        Assert.Equal(302, attempt.GetProperty("status").GetInt32());
        Assert.False(attempt.GetProperty("success").GetBoolean());
        Assert.Empty(receiver.On("inside"));
        Assert.NotEmpty(receiver.On("moved"));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("gateway")]
    public async Task A_slowloris_client_sending_headers_a_byte_at_a_time_is_cut_off(string resource)
    {
        using var http = fixture.CreateClient(resource);
        var endpoint = http.BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port, Cancel);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /api/rooms HTTP/1.1\r\nHost: {endpoint.Authority}\r\n"), Cancel);

        // One header byte every 2 s never completes the request; Kestrel's RequestHeadersTimeout (30 s) ends it.
        var started = DateTime.UtcNow;
        var closed = false;
        var answer = new StringBuilder();
        var buffer = new byte[1024];
        while (!closed && DateTime.UtcNow - started < TimeSpan.FromSeconds(75))
        {
            try
            {
                await stream.WriteAsync("X"u8.ToArray(), Cancel);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
                wait.CancelAfter(TimeSpan.FromSeconds(2));
                var read = await stream.ReadAsync(buffer, wait.Token);
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
                closed = read == 0 || answer.ToString().Contains("408", StringComparison.Ordinal);
            }
            catch (OperationCanceledException) when (!Cancel.IsCancellationRequested)
            {
                // Nothing yet: send the next byte.
            }
            catch (IOException)
            {
                closed = true;
            }
        }

        Assert.True(closed, $"The server still held the connection after {DateTime.UtcNow - started}.");
        Assert.DoesNotContain("200 OK", answer.ToString(), StringComparison.Ordinal);
    }
}
