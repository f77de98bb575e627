using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>Hostile message text stays text; the edge sends a strict CSP; the session cookie is out of script's reach.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ClientSafetyTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task Script_and_img_onerror_messages_render_as_literal_text_and_run_nothing()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "xss", "ws", "sse");
        var (alice, bob) = (scene.Alice, scene.Bob);

        string[] hostile =
        [
            "<script>window.__pwned = 'script'</script>",
            "<img src=x onerror=\"window.__pwned = 'img'\">",
            "<b>bold?</b> & <a href=\"javascript:window.__pwned='link'\">link</a>",
        ];
        foreach (var text in hostile)
        {
            await alice.SendAsync(text);
        }

        foreach (var user in new[] { alice, bob })
        {
            await Expect(user.MessageTexts).ToHaveTextAsync(hostile, new() { Timeout = BrowserUser.LongWaitMs });
            var messages = user.Page.GetByTestId("messages");
            await Expect(messages.Locator("script, img, b, a")).ToHaveCountAsync(0);
            Assert.Equal("none", await user.Page.EvaluateAsync<string>("typeof window.__pwned === 'undefined' ? 'none' : String(window.__pwned)"));
        }

        await bob.ScreenshotAsync("hostile-text-inert");
    }

    [Fact]
    public async Task The_client_page_has_a_strict_content_security_policy_and_hardening_headers()
    {
        using var http = app.CreateClient("web");

        using var response = await http.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Matches(ConnectSrc(), csp);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task The_session_cookie_is_http_only_and_same_site_strict_and_invisible_to_script()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "auto");

        var cookie = Assert.Single(await alice.Context.CookiesAsync(), c => c.Name == "chatmesh_token");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(Microsoft.Playwright.SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain("chatmesh_token", await alice.Page.EvaluateAsync<string>("document.cookie"), StringComparison.Ordinal);
        // "auto" starts with the WebSocket, authenticated by that cookie alone.
        Assert.Equal("ws", await alice.Page.EvaluateAsync<string>("window.chatmesh.channel"));
        await Expect(alice.Page.GetByTestId("whoami")).ToHaveTextAsync($"@{alice.Name}");
    }

    [GeneratedRegex(@"connect-src 'self' ws://[^ ;]+ wss://[^ ;]+")]
    private static partial Regex ConnectSrc();
}
