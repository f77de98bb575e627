using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>The webhook admin page creates outbound endpoints and incoming hooks, and shows delivery attempts.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhookAdminTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task The_admin_page_creates_an_endpoint_and_an_incoming_hook_whose_posts_appear_in_the_room()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        var room = await alice.CreateUniqueRoomAsync("hooks");
        var page = await alice.Context.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GotoAsync("/webhooks.html");

        // An outbound endpoint nobody listens on (loopback is allow-listed in the tests): its attempts fail visibly.
        await page.GetByLabel("URL").FillAsync("http://127.0.0.2:9/chatmesh");
        await page.GetByTestId("endpoint-description").FillAsync("CI notifier");
        await page.GetByTestId("endpoint-rooms").FillAsync(room);
        await page.GetByTestId("endpoint-create").ClickAsync();
        await Expect(page.GetByTestId("endpoint-secret")).ToContainTextAsync("whsec_");
        var endpoint = page.GetByTestId("endpoint").Filter(new() { HasText = "http://127.0.0.2:9/chatmesh" });
        await Expect(endpoint).ToContainTextAsync("CI notifier");

        // An incoming hook for the room; a post to its URL shows up in alice's open chat as the bot.
        await page.GetByTestId("incoming-room").FillAsync(room);
        await page.GetByTestId("incoming-name").FillAsync("ci-bot");
        await page.GetByTestId("incoming-create").ClickAsync();
        var shown = page.GetByTestId("incoming-secret");
        await Expect(shown).ToContainTextAsync("/hooks/");
        await Expect(page.GetByTestId("incoming-hook").Filter(new() { HasText = room })).ToContainTextAsync("ci-bot");
        var hookUrl = (await shown.TextContentAsync())!.Split(' ')[1];

        using var http = new HttpClient();
        using var post = await http.PostAsync(new Uri(hookUrl), new StringContent("{\"text\":\"build passed\"}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        var botMessage = alice.Message("build passed");
        await Expect(botMessage.GetByTestId("message-author")).ToHaveTextAsync("ci-bot (bot)", new() { Timeout = BrowserUser.LongWaitMs });

        // That message went to the endpoint too and failed (nothing listens): the attempts table says so.
        await endpoint.GetByTestId("show-attempts").ClickAsync();
        await Expect(page.GetByTestId("attempt").First).ToContainTextAsync("failed: connection", new() { Timeout = BrowserUser.LongWaitMs });
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotDirectory, "webhook-admin.png"), FullPage = true });
    }
}
