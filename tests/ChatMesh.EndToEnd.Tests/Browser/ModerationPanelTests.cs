using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>
/// Moderation from the web client: the owner's and moderators' controls (room settings, the member menu, bans, deleting
/// others' messages), hidden from members; the removed user's notice; read-only and slow mode as a member meets them.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ModerationPanelTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task The_owner_makes_a_moderator_who_deletes_kicks_and_bans_a_member_who_sees_they_were_removed()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "mods", "ws", "sse");
        var (alice, bob) = (scene.Alice, scene.Bob);
        await using var carol = await BrowserUser.SignInAsync(chromium, app, "carol", "poll");
        await carol.JoinRoomAsync(scene.Id);
        await carol.SendAsync("spam spam spam");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["spam spam spam"], new() { Timeout = BrowserUser.LongWaitMs });

        // A member sees no moderation controls: no settings, no member menu, no delete on others' messages.
        await Expect(bob.Page.GetByTestId("room-settings-button")).ToBeHiddenAsync();
        await Expect(bob.Page.GetByTestId("member-actions")).ToHaveCountAsync(0);
        await Expect(bob.Message("spam spam spam").GetByTestId("delete")).ToHaveCountAsync(0);
        await Expect(Person(alice, alice.Name).GetByTestId("role-badge")).ToHaveTextAsync("owner");

        // The owner makes bob a moderator from the people list.
        await Expect(Person(alice, bob.Name)).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });
        await Person(alice, bob.Name).GetByTestId("member-actions").ClickAsync();
        await Person(alice, bob.Name).GetByTestId("make-moderator").ClickAsync();
        await Expect(Person(bob, bob.Name).GetByTestId("role-badge")).ToHaveTextAsync("moderator", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Page.GetByTestId("system-line")).ToHaveTextAsync([$"{alice.Name} made {bob.Name} a moderator"]);
        await Expect(bob.Page.GetByTestId("room-settings-button")).ToBeVisibleAsync();
        // A moderator acts on members only: nothing on the owner, no say over roles.
        await Expect(Person(bob, alice.Name).GetByTestId("member-actions")).ToHaveCountAsync(0);
        await Person(bob, carol.Name).GetByTestId("member-actions").ClickAsync();
        await Expect(Person(bob, carol.Name).GetByTestId("make-moderator")).ToHaveCountAsync(0);
        await Expect(Person(bob, carol.Name).GetByTestId("kick")).ToBeVisibleAsync();
        await Person(bob, carol.Name).GetByTestId("member-actions").ClickAsync();

        // Bob deletes carol's message.
        await bob.ClickActionAsync("spam spam spam", "delete");
        await Expect(carol.MessageTexts).ToHaveTextAsync(["message deleted"], new() { Timeout = BrowserUser.LongWaitMs });

        // Bob kicks carol: she is told, and the room is gone from her list; the others see a line.
        await Person(bob, carol.Name).GetByTestId("member-actions").ClickAsync();
        await Person(bob, carol.Name).GetByTestId("kick").ClickAsync();
        await Expect(carol.Page.GetByTestId("removed-notice")).ToHaveTextAsync($"You were removed from #{scene.Id} by {bob.Name}.", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(carol.Page.Locator($"[data-testid=room-link][data-room='{scene.Id}']")).ToHaveCountAsync(0);
        await Expect(carol.Page.GetByTestId("room-title")).ToHaveTextAsync("No room selected");
        await Expect(carol.Page.GetByTestId("composer-input")).ToBeHiddenAsync();
        await Expect(alice.Page.GetByTestId("system-line").Last).ToHaveTextAsync($"{carol.Name} was removed by {bob.Name}", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(Person(alice, carol.Name)).ToHaveCountAsync(0);

        // A kick is not a ban: she joins again. Then bob bans her.
        await carol.JoinRoomAsync(scene.Id);
        await Expect(carol.Page.GetByTestId("removed-notice")).ToBeHiddenAsync();
        await Expect(Person(bob, carol.Name)).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });
        await Person(bob, carol.Name).GetByTestId("member-actions").ClickAsync();
        await Person(bob, carol.Name).GetByTestId("ban").ClickAsync();
        await Expect(carol.Page.GetByTestId("removed-notice")).ToHaveTextAsync($"You were banned from #{scene.Id} by {bob.Name}.", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(carol.Page.GetByTestId("room-title")).ToHaveTextAsync("No room selected");
        await Expect(carol.Page.GetByTestId("messages").GetByTestId("message")).ToHaveCountAsync(0);
        await carol.ScreenshotAsync("moderation-banned");

        // Banned, she is no longer offered the room among the public rooms (the list is fetched as it opens).
        var offered = carol.Page.Locator($"[data-testid=join-room][data-room='{scene.Id}']");
        await carol.Page.RunAndWaitForResponseAsync(
            () => carol.Page.GetByText("Browse public rooms").ClickAsync(), response => response.Url.EndsWith("/api/rooms/public", StringComparison.Ordinal));
        await Expect(carol.Page.GetByTestId("public-rooms")).ToBeVisibleAsync();
        await Expect(offered).ToHaveCountAsync(0);

        // Bob lifts the ban in the room settings; she may join again.
        await bob.Page.GetByTestId("room-settings-button").ClickAsync();
        var banned = bob.Page.GetByTestId("banned-user");
        await Expect(banned).ToHaveTextAsync([$"{carol.Name}Unban"]);
        await banned.GetByTestId("unban").ClickAsync();
        await Expect(bob.Page.GetByTestId("ban-list")).ToHaveTextAsync("Nobody is banned.");
        await bob.ScreenshotAsync("moderation-settings");
        // Her list, opened again, offers the room once more, and she joins.
        await carol.Page.GetByText("Browse public rooms").ClickAsync();
        await carol.Page.GetByText("Browse public rooms").ClickAsync();
        await offered.ClickAsync();
        await Expect(carol.Page.GetByTestId("room-title")).ToHaveTextAsync($"#{scene.Id}");
        await Expect(carol.Page.Locator("#rooms-error")).ToBeEmptyAsync();
    }

    [Fact]
    public async Task Read_only_rename_and_topic_from_the_settings_panel_reach_members_and_hide_only_their_composer()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "readonly", "ws", "poll");
        var (alice, bob) = (scene.Alice, scene.Bob);

        await alice.Page.GetByTestId("room-settings-button").ClickAsync();
        await alice.Page.GetByTestId("settings-name").FillAsync("Announcements");
        await alice.Page.GetByTestId("settings-topic").FillAsync("Only news here");
        await alice.Page.GetByTestId("settings-read-only").CheckAsync();
        await alice.Page.GetByTestId("settings-save").ClickAsync();
        await Expect(alice.Page.GetByTestId("settings-status")).ToHaveTextAsync("Saved.", new() { Timeout = BrowserUser.LongWaitMs });

        await Expect(bob.Page.Locator("#room-title")).ToHaveTextAsync("#Announcements", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Page.Locator("#room-topic")).ToHaveTextAsync("Only news here");
        await Expect(bob.Page.GetByTestId("system-line")).ToHaveTextAsync(
            [$"{alice.Name} renamed the room to “Announcements”, set the topic to “Only news here”, made the room read-only"]);
        await Expect(bob.Page.GetByTestId("composer-input")).ToBeHiddenAsync();
        await Expect(bob.Page.GetByTestId("read-only-notice")).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("composer-input")).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("read-only-notice")).ToBeHiddenAsync();
        await alice.SendAsync("news: the room is read-only");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["news: the room is read-only"], new() { Timeout = BrowserUser.LongWaitMs });

        // Saving again without a change sends nothing; unticking read-only gives bob his composer back.
        await Expect(alice.Page.GetByTestId("system-line")).ToHaveCountAsync(1, new() { Timeout = BrowserUser.LongWaitMs });
        await alice.Page.GetByTestId("settings-save").ClickAsync();
        await Expect(alice.Page.GetByTestId("settings-status")).ToHaveTextAsync("Nothing changed.");
        await alice.Page.GetByTestId("settings-read-only").UncheckAsync();
        await alice.Page.GetByTestId("settings-save").ClickAsync();
        await Expect(bob.Page.GetByTestId("composer-input")).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Page.GetByTestId("read-only-notice")).ToBeHiddenAsync();
        await Expect(bob.Page.GetByTestId("system-line")).ToHaveCountAsync(2);
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("sse")]
    public async Task Slow_mode_shows_the_servers_wait_on_the_composer_and_keeps_the_text(string bobChannel)
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "slow", "ws", bobChannel);
        var (alice, bob) = (scene.Alice, scene.Bob);

        await alice.Page.GetByTestId("room-settings-button").ClickAsync();
        await alice.Page.GetByTestId("settings-slow-mode").FillAsync("120");
        await alice.Page.GetByTestId("settings-save").ClickAsync();
        var hint = bob.Page.GetByTestId("slow-mode");
        await Expect(hint).ToHaveTextAsync("Slow mode: one message every 2 min", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(alice.Page.GetByTestId("slow-mode")).ToBeHiddenAsync(); // the owner is exempt

        await bob.SendAsync("first, accepted");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["first, accepted"], new() { Timeout = BrowserUser.LongWaitMs });
        var input = bob.Page.GetByTestId("composer-input");
        await input.FillAsync("second, too soon");
        await input.PressAsync("Enter");

        // The server refused it with slow_mode and retryAfterMs: the composer counts down and the text stays.
        await Expect(hint).ToHaveAttributeAsync("data-state", "waiting", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(hint).ToHaveTextAsync(WaitText());
        await Expect(input).ToHaveValueAsync("second, too soon");
        await Expect(bob.Page.GetByTestId("send")).ToBeDisabledAsync();
        await bob.ScreenshotAsync($"slow-mode-{bobChannel}");
        // Enter while waiting sends nothing either.
        await input.PressAsync("Enter");
        await Expect(input).ToHaveValueAsync("second, too soon");
        await Expect(alice.MessageTexts).ToHaveTextAsync(["first, accepted"]);

        // The owner is not slowed down.
        await alice.SendAsync("owner one");
        await alice.SendAsync("owner two");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["first, accepted", "owner one", "owner two"], new() { Timeout = BrowserUser.LongWaitMs });
    }

    [Fact]
    public async Task A_refusal_of_the_server_shows_as_a_sentence_with_its_code()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "refused", "ws", "ws");
        var (alice, bob) = (scene.Alice, scene.Bob);
        await Person(alice, bob.Name).GetByTestId("member-actions").ClickAsync(new() { Timeout = BrowserUser.LongWaitMs });
        await Person(alice, bob.Name).GetByTestId("make-moderator").ClickAsync();
        await Expect(bob.Page.GetByTestId("room-settings-button")).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });

        // The UI offers no ban of the owner in the people list, but a name typed into the ban form reaches the server.
        await bob.Page.GetByTestId("room-settings-button").ClickAsync();
        await bob.Page.GetByTestId("ban-user").FillAsync(alice.Name);
        await bob.Page.GetByTestId("ban-submit").ClickAsync();
        await Expect(bob.Page.GetByTestId("settings-error")).ToHaveTextAsync(
            "You cannot remove or ban someone whose role is the same as yours or higher. (outranked)", new() { Timeout = BrowserUser.LongWaitMs });

        // Once the owner takes the role back, the panel closes and the controls go.
        await Person(alice, bob.Name).GetByTestId("member-actions").ClickAsync();
        await Person(alice, bob.Name).GetByTestId("remove-moderator").ClickAsync();
        await Expect(bob.Page.GetByTestId("room-settings")).ToBeHiddenAsync(new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Page.GetByTestId("room-settings-button")).ToBeHiddenAsync();
        await Expect(Person(bob, bob.Name).GetByTestId("role-badge")).ToHaveCountAsync(0);
    }

    private static Microsoft.Playwright.ILocator Person(BrowserUser viewer, string user) =>
        viewer.Page.Locator($"[data-testid=person][data-user='{user}']");

    // 1 to 120 s, as seconds or minutes and seconds.
    [GeneratedRegex("^Slow mode: you can post again in (\\d+ s|[12] min( \\d+ s)?)$")]
    private static partial Regex WaitText();
}
