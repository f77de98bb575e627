using System.Diagnostics;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>The search box in the top bar: by keyboard only, a hit shows its highlighted words and opens its room.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SearchTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task Searching_by_keyboard_shows_highlighted_hits_and_Enter_on_a_hit_opens_its_room()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        var word = "k" + Guid.NewGuid().ToString("N")[..10];
        var planning = await alice.CreateUniqueRoomAsync("plans");
        await alice.SendAsync($"the {word} launch is on Friday");
        var other = await alice.CreateUniqueRoomAsync("elsewhere");
        await Expect(alice.Page.GetByTestId("room-title")).ToHaveTextAsync($"#{other}");

        var input = alice.Page.GetByTestId("search-input");
        await input.FocusAsync();
        await alice.Page.Keyboard.TypeAsync(word);
        var hits = alice.Page.GetByTestId("search-hit");
        // The index is eventually consistent: search again (Enter) until the new message is found.
        var clock = Stopwatch.StartNew();
        do
        {
            await input.PressAsync("Enter");
            await Expect(alice.Page.GetByTestId("search-status")).Not.ToHaveTextAsync("Searching…");
        }
        while (await hits.CountAsync() == 0 && clock.Elapsed < TimeSpan.FromSeconds(30));

        await Expect(hits).ToHaveCountAsync(1);
        await Expect(hits.First.GetByTestId("search-snippet")).ToHaveTextAsync($"the {word} launch is on Friday");
        await Expect(hits.First.Locator("mark")).ToHaveTextAsync(word);
        await Expect(hits.First).ToHaveAttributeAsync("data-room", planning);
        await Expect(alice.Page.GetByTestId("search-status")).ToContainTextAsync("1 message");

        // Escape closes the panel and gives the box its focus back; Enter shows the hits again.
        await alice.Page.Keyboard.PressAsync("Escape");
        await Expect(alice.Page.GetByTestId("search-panel")).ToBeHiddenAsync();
        await Expect(input).ToBeFocusedAsync();
        await input.PressAsync("Enter");
        await Expect(hits).ToHaveCountAsync(1);

        // Each hit is a button in the tab order: focused, Enter opens its room.
        await hits.First.FocusAsync();
        await Expect(hits.First).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Page.GetByTestId("room-title")).ToHaveTextAsync($"#{planning}");
        await Expect(alice.Page.GetByTestId("search-panel")).ToBeHiddenAsync();
        await Expect(alice.MessageTexts.Last).ToHaveTextAsync($"the {word} launch is on Friday");
    }
}
