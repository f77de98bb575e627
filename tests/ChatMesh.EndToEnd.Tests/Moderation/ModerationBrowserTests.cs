using ChatMesh.EndToEnd.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Moderation;

/// <summary>The web client shows moderation as system lines and hides the composer of a read-only room from members.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ModerationBrowserTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task A_member_sees_the_rename_and_read_only_as_system_lines_and_loses_the_composer_the_owner_keeps()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "modweb", "ws", "sse");
        var (alice, bob) = (scene.Alice, scene.Bob);
        await alice.SendAsync("welcome");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["welcome"], new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Page.GetByTestId("composer-input")).ToBeVisibleAsync();

        // The owner changes the room through the REST API from her own page (her session cookie).
        var status = await alice.Page.EvaluateAsync<int>(
            "async room => (await fetch('/api/rooms/' + room, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, "
            + "body: JSON.stringify({ name: 'Announcements', readOnly: true }) })).status", scene.Id);
        Assert.Equal(200, status);

        var line = bob.Page.GetByTestId("system-line");
        await Expect(line).ToHaveTextAsync($"{alice.Name} renamed the room to “Announcements”, made the room read-only", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Page.GetByTestId("composer-input")).ToBeHiddenAsync();
        await Expect(bob.Page.Locator("#room-title")).ToHaveTextAsync("#Announcements");
        await Expect(alice.Page.GetByTestId("system-line")).ToHaveCountAsync(1, new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(alice.Page.GetByTestId("composer-input")).ToBeVisibleAsync();

        // The owner still posts; the line stays where it happened, before her message.
        await alice.SendAsync("read-only from now on");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["welcome", "read-only from now on"], new() { Timeout = BrowserUser.LongWaitMs });
        var order = await bob.Page.Locator("#messages > li:not(.unread-divider):not(.day-separator)").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.testid)");
        Assert.Equal(["message", "system-line", "message"], order);
        await bob.ScreenshotAsync("moderation-read-only");
    }
}
