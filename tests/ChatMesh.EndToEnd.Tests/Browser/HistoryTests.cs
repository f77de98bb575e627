using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>The timeline shows the newest page and loads older pages as the user scrolls up.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HistoryTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task Scrolling_to_the_top_loads_older_messages_until_the_beginning_of_the_room()
    {
        using var carol = await Support.ChatUser.SignInAsync(app, "carol", resource: "web");
        var room = await carol.CreateRoomAsync("history");
        for (var i = 1; i <= 45; i++)
        {
            await carol.PostAsync(room, $"history {i:00}");
        }

        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        await alice.JoinRoomAsync(room);

        // The newest page (30) first, scrolled to the bottom.
        await Expect(alice.MessageTexts).ToHaveCountAsync(30, new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(alice.MessageTexts.First).ToHaveTextAsync("history 16");
        await Expect(alice.Page.GetByTestId("timeline").Locator("#history-status")).ToHaveTextAsync("Scroll up for older messages.");

        await alice.Page.GetByTestId("timeline").EvaluateAsync("timeline => timeline.scrollTop = 0");

        await Expect(alice.MessageTexts).ToHaveTextAsync([.. Enumerable.Range(1, 45).Select(i => $"history {i:00}")], new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(alice.Page.GetByTestId("timeline").Locator("#history-status")).ToHaveTextAsync("This is the beginning of the room.");
    }
}
