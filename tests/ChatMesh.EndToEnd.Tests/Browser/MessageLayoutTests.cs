using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>
/// How the timeline looks: message actions only on hover, keyboard focus or a tap; consecutive messages of one sender
/// grouped under one avatar; day separators; reactions as counted chips.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MessageLayoutTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task Message_actions_show_on_hover_and_on_keyboard_focus_and_work_from_the_keyboard()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "hover", "ws", "sse");
        var (alice, bob) = (scene.Alice, scene.Bob);
        await alice.SendAsync("hello there");
        var message = bob.Message("hello there");
        var toolbar = message.GetByTestId("message-actions");
        await Expect(message).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });

        // Nothing but the message until the pointer is on it; it goes again when the pointer leaves.
        await bob.Page.GetByTestId("room-title").HoverAsync();
        await Expect(toolbar).ToHaveCSSAsync("opacity", "0");
        await message.HoverAsync();
        await Expect(toolbar).ToHaveCSSAsync("opacity", "1");
        await bob.Page.GetByTestId("room-title").HoverAsync();
        await Expect(toolbar).ToHaveCSSAsync("opacity", "0");

        // From the keyboard: Tab out of the timeline lands on the message's first action and shows the toolbar.
        await bob.Page.GetByTestId("timeline").FocusAsync();
        await bob.Page.Keyboard.PressAsync("Tab");
        var focused = bob.Page.Locator(":focus");
        await Expect(focused).ToHaveAttributeAsync("data-testid", "react");
        await Expect(focused).ToHaveAttributeAsync("data-emoji", "👍");
        await Expect(toolbar).ToHaveCSSAsync("opacity", "1");
        await bob.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Message("hello there").GetByTestId("reaction")).ToHaveTextAsync("👍 1", new() { Timeout = BrowserUser.LongWaitMs });

        // Four reactions, then Reply; Enter on it starts a reply and moves the focus to the message box.
        for (var i = 0; i < 4; i++)
        {
            await bob.Page.Keyboard.PressAsync("Tab");
        }

        await Expect(focused).ToHaveAttributeAsync("data-testid", "reply");
        await bob.Page.Keyboard.PressAsync("Enter");
        await Expect(bob.Page.Locator("#reply-text")).ToHaveTextAsync($"Replying to {alice.Name}: hello there");
        await Expect(bob.Page.GetByTestId("composer-input")).ToBeFocusedAsync();
        await bob.Page.Keyboard.TypeAsync("typed without a mouse");
        await bob.Page.Keyboard.PressAsync("Enter");
        await Expect(alice.Message("typed without a mouse").GetByTestId("reply-quote")).ToHaveTextAsync($"↪ {alice.Name}: hello there", new() { Timeout = BrowserUser.LongWaitMs });
    }

    [Fact]
    public async Task On_a_touch_screen_a_tap_on_a_message_shows_its_actions()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "tapper", "ws",
            viewport: new ViewportSize { Width = 390, Height = 844 }, options: o => { o.HasTouch = true; o.IsMobile = true; });
        await alice.CreateUniqueRoomAsync("touch");
        await alice.SendAsync("tap me");
        var message = alice.Message("tap me");
        var toolbar = message.GetByTestId("message-actions");
        await Expect(message).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });
        Assert.True(await alice.Page.EvaluateAsync<bool>("matchMedia('(hover: none)').matches"), "The emulated phone has hover.");

        // Hidden until the message is tapped; a second tap hides it again.
        await Expect(toolbar).ToBeHiddenAsync();
        await message.GetByTestId("message-text").TapAsync();
        await Expect(toolbar).ToBeVisibleAsync();
        await message.GetByTestId("message-text").TapAsync();
        await Expect(toolbar).ToBeHiddenAsync();

        // Tapping an action does it, and the toolbar closes.
        await message.GetByTestId("message-text").TapAsync();
        await toolbar.Locator("[data-testid=react][data-emoji='🎉']").TapAsync();
        await Expect(message.GetByTestId("reaction")).ToHaveTextAsync("🎉 1", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(toolbar).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Consecutive_messages_of_one_sender_share_one_avatar_and_header()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "group", "ws", "poll");
        var (alice, bob) = (scene.Alice, scene.Bob);
        await alice.SendAsync("one");
        await alice.SendAsync("two");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["one", "two"], new() { Timeout = BrowserUser.LongWaitMs });
        await bob.SendAsync("three");
        await Expect(alice.MessageTexts).ToHaveTextAsync(["one", "two", "three"], new() { Timeout = BrowserUser.LongWaitMs });
        await alice.SendAsync("four");

        foreach (var user in new[] { alice, bob })
        {
            await Expect(user.MessageTexts).ToHaveTextAsync(["one", "two", "three", "four"], new() { Timeout = BrowserUser.LongWaitMs });
            // "two" continues alice's group: no avatar, and its name and time are there for screen readers only.
            var avatars = user.Page.GetByTestId("messages").GetByTestId("message").GetByTestId("avatar");
            await Expect(avatars).ToHaveTextAsync([Initials(alice.Name), Initials(bob.Name), Initials(alice.Name)]);
            await Expect(user.Message("two")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bcontinued\\b"));
            await Expect(user.Message("two").GetByTestId("message-author")).ToHaveTextAsync(alice.Name);
            Assert.True(await user.Message("two").Locator(".meta").EvaluateAsync<bool>("meta => meta.getBoundingClientRect().width <= 1"), "The continued message shows its header.");
            await Expect(user.Message("one").GetByTestId("message-author")).ToBeVisibleAsync();
            await Expect(user.Message("three").GetByTestId("message-author")).ToHaveTextAsync(bob.Name);
            await Expect(user.Page.GetByTestId("day-separator")).ToHaveTextAsync(["Today"]);
        }
    }

    [Fact]
    public async Task A_day_separator_starts_each_day_in_the_readers_time_zone_and_a_new_day_starts_a_new_group()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        var room = await alice.CreateUniqueRoomAsync("days");
        await alice.SendAsync("late at night");
        var first = await SentAtAsync(alice, "late at night");
        // The next message is at least a whole second later, so some time zone has its midnight between the two.
        var midnight = DateTimeOffset.FromUnixTimeSeconds(first.ToUnixTimeSeconds() + 1);
        var wait = midnight.AddMilliseconds(200) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, TestContext.Current.CancellationToken);
        }

        await alice.SendAsync("early in the morning");
        var second = await SentAtAsync(alice, "early in the morning");
        Assert.True(first < midnight && midnight <= second, $"{first:O} < {midnight:O} <= {second:O}");

        // Bob reads in the zone whose day begins at that second: alice's two messages are on two days for him.
        var offset = (int)(((-midnight.ToUnixTimeSeconds() % 86400) + 86400) % 86400);
        if (offset > 12 * 3600)
        {
            offset -= 86400;
        }

        var zone = string.Create(CultureInfo.InvariantCulture,
            $"GMT{(offset < 0 ? '-' : '+')}{Math.Abs(offset) / 3600:00}:{Math.Abs(offset) / 60 % 60:00}:{Math.Abs(offset) % 60:00}");
        await using var bob = await BrowserUser.SignInAsync(chromium, app, "bob", "sse", options: o => o.TimezoneId = zone);
        await bob.JoinRoomAsync(room);
        await Expect(bob.MessageTexts).ToHaveTextAsync(["late at night", "early in the morning"], new() { Timeout = BrowserUser.LongWaitMs });
        var order = await bob.Page.Locator("#messages > li:not(.unread-divider)").EvaluateAllAsync<string[]>("items => items.map(i => i.textContent.startsWith('Yesterday') || i.textContent.startsWith('Today') ? i.textContent : i.dataset.testid)");
        Assert.Equal(["Yesterday", "message", "Today", "message"], order);
        await Expect(bob.Page.GetByTestId("messages").GetByTestId("avatar")).ToHaveCountAsync(2);

        // Alice, in UTC, sees one day (unless the test ran across UTC midnight, when she sees the same two days as bob).
        var days = await alice.Page.GetByTestId("day-separator").AllTextContentsAsync();
        Assert.Equal(first.UtcDateTime.Date == second.UtcDateTime.Date ? ["Today"] : ["Yesterday", "Today"], days);
    }

    [Fact]
    public async Task In_a_page_left_open_past_midnight_Today_becomes_Yesterday()
    {
        // The page's clock runs from the real time at real speed until the test moves it on; the zone is UTC.
        var untilMidnight = DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1) - DateTime.UtcNow;
        if (untilMidnight < TimeSpan.FromMinutes(2))
        {
            // Too close to the real midnight for "Today" to hold while the room is set up: start after it.
            await Task.Delay(untilMidnight + TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        }

        await using var alice = await BrowserUser.SignInAsync(chromium, app, "owl", "ws",
            prepare: context => context.Clock.InstallAsync(new() { TimeDate = DateTime.UtcNow }),
            options: o => o.TimezoneId = "UTC");
        await alice.CreateUniqueRoomAsync("midnight");
        await alice.SendAsync("still up");
        var separator = alice.Page.GetByTestId("day-separator");
        await Expect(separator).ToHaveTextAsync(["Today"]);

        // The clock jumps past the page's next midnight (timers due meanwhile fire once); nothing else happens.
        var left = await alice.Page.EvaluateAsync<double>(
            "() => { const now = new Date(); return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1) - now; }");
        await alice.Page.Clock.FastForwardAsync((long)left + 1_000);

        await Expect(separator).ToHaveTextAsync(["Yesterday"]);
        await Expect(separator).ToHaveAttributeAsync("aria-label", "Yesterday");
        await Expect(alice.MessageTexts).ToHaveTextAsync(["still up"]);
    }

    [Fact]
    public async Task Reactions_are_chips_with_counts_that_each_user_toggles_for_themselves()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "chips", "ws", "sse");
        var (alice, bob) = (scene.Alice, scene.Bob);
        await alice.SendAsync("react to this");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["react to this"], new() { Timeout = BrowserUser.LongWaitMs });

        await alice.ClickActionAsync("react to this", "react", "👍");
        await Expect(bob.Message("react to this").GetByTestId("reaction")).ToHaveTextAsync("👍 1", new() { Timeout = BrowserUser.LongWaitMs });
        // Bob adds his to the same chip: one chip, two people.
        await bob.Message("react to this").GetByTestId("reaction").ClickAsync();
        foreach (var user in new[] { alice, bob })
        {
            var chip = user.Message("react to this").GetByTestId("reaction");
            await Expect(chip).ToHaveTextAsync("👍 2", new() { Timeout = BrowserUser.LongWaitMs });
            await Expect(chip).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(chip).ToHaveAttributeAsync("title", $"{alice.Name}, {bob.Name}");
        }

        // Bob adds ❤️ from the toolbar and takes his 👍 back with the chip; alice's 👍 stays hers.
        await bob.ClickActionAsync("react to this", "react", "❤️");
        await bob.Message("react to this").Locator("[data-testid=reaction][data-emoji='👍']").ClickAsync();
        await Expect(alice.Message("react to this").GetByTestId("reaction")).ToHaveTextAsync(["👍 1", "❤️ 1"], new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Message("react to this").GetByTestId("reaction")).ToHaveTextAsync(["👍 1", "❤️ 1"], new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Message("react to this").Locator("[data-testid=reaction][data-emoji='👍']")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(alice.Message("react to this").Locator("[data-testid=reaction][data-emoji='👍']")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(alice.Message("react to this").Locator("[data-testid=reaction][data-emoji='❤️']")).ToHaveAttributeAsync("aria-pressed", "false");
    }

    private static string Initials(string name)
    {
        var parts = name.Split(['-', '_', '.', ' '], StringSplitOptions.RemoveEmptyEntries);
        return (parts.Length > 1 ? $"{parts[0][0]}{parts[1][0]}" : name[..2]).ToUpperInvariant();
    }

    private static async Task<DateTimeOffset> SentAtAsync(BrowserUser user, string text) =>
        DateTimeOffset.Parse(
            await user.Message(text).Locator(".meta time").GetAttributeAsync("datetime") ?? throw new InvalidOperationException("no time"),
            CultureInfo.InvariantCulture);
}
