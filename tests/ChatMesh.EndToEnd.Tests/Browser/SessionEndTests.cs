using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>
/// The server ending the session (WebSocket close 4002 token_revoked, 4001 token_expired; docs/protocol.md) is not a
/// network failure: the client stops reconnecting (a reconnect with the same cookie is refused), shows the sign-in
/// form with why, and signing in again brings the chat back.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SessionEndTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sign_out_elsewhere_revokes_the_socket_and_the_client_asks_to_sign_in_again_without_reconnecting()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "revoked", "ws");
        var reconnects = 0;
        alice.Page.WebSocket += (_, _) => Interlocked.Increment(ref reconnects);

        // Another tab or device signs out with the same session: the token is revoked everywhere.
        var token = Assert.Single(await alice.Context.CookiesAsync(), cookie => cookie.Name == "chatmesh_token").Value;
        // Without a cookie jar: a pooled client's jar sent an earlier test's session cookie instead of this one, so the
        // sign-out revoked someone else's token (passing alone, failing in the suite).
        using var edge = app.CreateClientWithoutCookieJar("web");
        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-out");
        signOut.Headers.Add("Cookie", $"chatmesh_token={token}");
        using var response = await edge.SendAsync(signOut, Cancel);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        await AssertAskedToSignInAgainAsync(alice, "signed out");
        Assert.Equal(0, Volatile.Read(ref reconnects));
        await alice.ScreenshotAsync("session-revoked");

        await SignInAgainAsync(alice);
    }

    [Fact]
    public async Task A_socket_closed_4001_token_expired_brings_back_the_sign_in_form_without_reconnecting()
    {
        // The gateway closes 4001 when the token's lifetime ends; the route stands in for that moment (the test's
        // tokens live far longer than a test) and otherwise passes the real connection through.
        var routed = new TaskCompletionSource<IWebSocketRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "expired", "ws", prepare: context =>
            context.RouteWebSocketAsync("**/ws", ws =>
            {
                ws.ConnectToServer();
                routed.TrySetResult(ws);
            }));
        var reconnects = 0;
        alice.Page.WebSocket += (_, _) => Interlocked.Increment(ref reconnects);

        var socket = await routed.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        await socket.CloseAsync(new() { Code = 4001, Reason = "token_expired" });

        await AssertAskedToSignInAgainAsync(alice, "expired");
        Assert.Equal(0, Volatile.Read(ref reconnects));
    }

    private static async Task AssertAskedToSignInAgainAsync(BrowserUser user, string why)
    {
        await Expect(user.Page.GetByTestId("sign-in-notice")).ToContainTextAsync(why, new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(user.Page.GetByTestId("sign-in-user")).ToBeVisibleAsync();
        await Expect(user.Page.GetByTestId("composer-input")).ToBeHiddenAsync();
        await Expect(user.Status).ToHaveAttributeAsync("data-state", "signed-out");
        // The connection has stopped for good: nothing will reconnect with the dead session.
        Assert.True(await user.Page.EvaluateAsync<bool>("window.chatmesh.stopped"));
    }

    private static async Task SignInAgainAsync(BrowserUser user)
    {
        await user.Page.GetByLabel("User name").FillAsync(user.Name);
        await user.Page.GetByTestId("sign-in-submit").ClickAsync();
        await user.WaitConnectedAsync("ws");
        await Expect(user.Page.GetByTestId("whoami")).ToHaveTextAsync($"@{user.Name}");
        await Expect(user.Page.GetByTestId("sign-in-notice")).ToBeHiddenAsync();
    }
}
