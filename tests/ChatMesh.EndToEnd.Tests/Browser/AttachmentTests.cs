using ChatMesh.EndToEnd.Tests.Attachments;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>Files from the composer: a real upload by one user that the other sees, images inline and files as links.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AttachmentTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Theory]
    [InlineData("ws", "sse")]
    [InlineData("poll", "ws")]
    public async Task An_image_attached_with_the_button_shows_inline_for_the_other_user_and_a_dropped_file_as_a_link(string aliceChannel, string bobChannel)
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "files", aliceChannel, bobChannel);
        var (alice, bob) = (scene.Alice, scene.Bob);

        // The attach button's file input, as a person choosing a file would fill it.
        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(
            new FilePayload { Name = "chart.png", MimeType = "image/png", Buffer = TestImages.Png(40, 30) });
        await Expect(alice.Page.GetByTestId("pending-attachment")).ToHaveAttributeAsync("data-state", "uploaded", new() { Timeout = BrowserUser.LongWaitMs });
        await alice.SendAsync("the chart");

        var image = bob.Message("the chart").GetByTestId("attachment-image");
        await Expect(image).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(image).ToHaveAttributeAsync("alt", "chart.png");
        // Loaded from the server and decoded: the preview a person sees, at the image's own size.
        await Expect(image).ToHaveJSPropertyAsync("naturalWidth", 40, new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(image).ToHaveJSPropertyAsync("naturalHeight", 30);
        await Expect(alice.Message("the chart").GetByTestId("attachment-image")).ToHaveJSPropertyAsync("naturalWidth", 40, new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(alice.Page.GetByTestId("pending-attachment")).ToHaveCountAsync(0);

        // A file dropped on the composer, sent without text, is a download link for bob.
        var dropped = await alice.Page.EvaluateHandleAsync(
            "() => { const t = new DataTransfer(); t.items.add(new File(['agenda: ship it'], 'agenda.txt', { type: 'text/plain' })); return t; }");
        await alice.Page.Locator("#composer").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = dropped });
        await Expect(alice.Page.GetByTestId("pending-attachment")).ToHaveAttributeAsync("data-state", "uploaded", new() { Timeout = BrowserUser.LongWaitMs });
        await alice.Page.GetByTestId("send").ClickAsync();

        var link = bob.Page.GetByTestId("messages").GetByTestId("attachment-link");
        await Expect(link).ToHaveTextAsync("📎 agenda.txt", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(link).ToHaveAttributeAsync("download", "agenda.txt");
        var download = await bob.Page.APIRequest.GetAsync(await link.GetAttributeAsync("href") ?? "");
        Assert.Equal(200, download.Status);
        Assert.Equal("agenda: ship it", await download.TextAsync());
        Assert.StartsWith("attachment", download.Headers["content-disposition"], StringComparison.Ordinal);

        await bob.ScreenshotAsync($"attachments-{bobChannel}");
    }

    [Fact]
    public async Task A_refused_upload_says_why_and_keeps_the_text()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        await alice.CreateUniqueRoomAsync("refused");

        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(
            new FilePayload { Name = "cat.png", MimeType = "image/png", Buffer = "<html><script>alert(1)</script></html>"u8.ToArray() });
        await Expect(alice.Page.GetByTestId("pending-attachment")).ToHaveAttributeAsync("data-state", "failed", new() { Timeout = BrowserUser.LongWaitMs });
        var input = alice.Page.GetByTestId("composer-input");
        await input.FillAsync("my cat");
        await input.PressAsync("Enter");

        await Expect(alice.Page.Locator("#composer-error")).ToContainTextAsync("content_type_mismatch");
        await Expect(input).ToHaveValueAsync("my cat");
        await Expect(alice.Page.GetByTestId("messages").GetByTestId("message")).ToHaveCountAsync(0);
    }
}
