using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>
/// Where a person still meets "You are banned from this room": the public list leaves out rooms that ban the caller, but a
/// list already open was fetched before the ban, and its Join reaches the server, which refuses it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BannedJoinTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task Joining_from_a_list_opened_before_the_ban_shows_the_ban_and_the_list_then_leaves_the_room_out()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        var room = await alice.CreateUniqueRoomAsync("banjoin");
        await using var carol = await BrowserUser.SignInAsync(chromium, app, "carol", "sse");

        // Carol opens the public rooms: the room is offered.
        await carol.Page.RunAndWaitForResponseAsync(
            () => carol.Page.GetByText("Browse public rooms").ClickAsync(), response => response.Url.EndsWith("/api/rooms/public", StringComparison.Ordinal));
        var offered = carol.Page.Locator($"[data-testid=join-room][data-room='{room}']");
        await Expect(offered).ToBeVisibleAsync();

        // Meanwhile the owner bans her by name (she was never a member).
        await alice.Page.GetByTestId("room-settings-button").ClickAsync();
        await alice.Page.GetByTestId("ban-user").FillAsync(carol.Name);
        await alice.Page.GetByTestId("ban-submit").ClickAsync();
        await Expect(alice.Page.GetByTestId("banned-user")).ToHaveTextAsync([$"{carol.Name}Unban"], new() { Timeout = BrowserUser.LongWaitMs });

        // Her list is the one fetched before: Join is refused, and she is told why.
        await offered.ClickAsync();
        await Expect(carol.Page.Locator("#rooms-error")).ToHaveTextAsync("You are banned from this room. (banned)", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(carol.Page.GetByTestId("room-title")).ToHaveTextAsync("No room selected");
        await carol.ScreenshotAsync("banned-join");

        // Opened again, the list no longer offers the room.
        await carol.Page.GetByText("Browse public rooms").ClickAsync();
        await carol.Page.RunAndWaitForResponseAsync(
            () => carol.Page.GetByText("Browse public rooms").ClickAsync(), response => response.Url.EndsWith("/api/rooms/public", StringComparison.Ordinal));
        await Expect(offered).ToHaveCountAsync(0);
    }
}
