using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Sse;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Security;

/// <summary>Sign-out revokes the token on every service (REST, WebSocket — closed 4002 — SSE, long-poll incl. its token cache, integration).</summary>
public sealed class SignOutRevocationTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private HttpClient ClientFor(string resource, string token)
    {
        var http = fixture.CreateClient(resource);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Each service's answer to a request with the token, until it is 401 (a revocation reaches every instance within moments).</summary>
    private static async Task<HttpResponseMessage> EventuallyUnauthorizedAsync(Func<Task<HttpResponseMessage>> send)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var response = await send();
            if (response.StatusCode == HttpStatusCode.Unauthorized || DateTime.UtcNow > deadline)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(100, Cancel);
        }
    }

    private static async Task AssertRevoked(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("token_revoked", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_signed_out_token_is_refused_by_every_service_and_its_open_streams_are_cut()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "rev-all");
        using var legacy = ClientFor("legacy", alice.Token);
        using var integration = ClientFor("integration", alice.Token);
        // Fill the legacy validated-token cache on both replicas first: a cache hit must not outlive the sign-out.
        // (A read cursor on a room that does not exist: authenticated, then refused, no state left behind.)
        var nowhere = $"/poll/rooms/{ChatUser.UniqueName("none")}/read";
        for (var i = 0; i < 4; i++)
        {
            using var warm = await legacy.PostAsync(nowhere, JsonContent.Create(new { lastEventId = 1 }), Cancel);
            Assert.NotEqual(HttpStatusCode.Unauthorized, warm.StatusCode);
        }

        using var sseHttp = StreamClients.Create(fixture);
        await using var sse = await SseClient.ConnectAsync(sseHttp, "/sse", alice.Token);
        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        await ws.WaitForAsync(frame => WsClient.Type(frame) == "hello");

        using var signOut = await alice.Http.PostAsync("/api/auth/sign-out", null, Cancel);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);

        await sse.WaitForEndAsync(TimeSpan.FromSeconds(15));
        Assert.True(sse.Ended);
        // What the user's client sees: a close code that says "sign in again", not a bare drop (1006).
        Assert.Equal((WebSocketCloseStatus)4002, await ws.WaitForCloseAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal("token_revoked", ws.CloseDescription);

        await AssertRevoked(await EventuallyUnauthorizedAsync(() => alice.Http.GetAsync("/api/auth/me", Cancel)));
        for (var i = 0; i < 4; i++)
        {
            await AssertRevoked(await EventuallyUnauthorizedAsync(() => legacy.PostAsync(nowhere, JsonContent.Create(new { lastEventId = 1 }), Cancel)));
        }

        await AssertRevoked(await EventuallyUnauthorizedAsync(() => integration.GetAsync("/api/webhooks/endpoints", Cancel)));
        await AssertRevoked(await EventuallyUnauthorizedAsync(() => sseHttp.SendAsync(SseClient.Request("/sse", alice.Token), Cancel)));
        var refused = await Assert.ThrowsAsync<HandshakeRefusedException>(() => WsClient.ConnectAsync(fixture, alice.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
    }

    [Fact]
    public async Task Signing_out_through_the_edge_with_the_cookie_revokes_the_cookie_token()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "rev-cookie");
        using var edge = fixture.CreateClientWithoutCookieJar("web");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-out");
        request.Headers.Add("Cookie", $"chatmesh_token={alice.Token}");

        using var signOut = await edge.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        await AssertRevoked(await EventuallyUnauthorizedAsync(() => alice.Http.GetAsync("/api/auth/me", Cancel)));
    }
}
