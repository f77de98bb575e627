using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>Edits, deletions, reactions, replies, mentions and typing made by one user show up for the other.</summary>
[Collection(BrowserCollection.Name)]
public sealed class MessageActionTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Theory]
    [InlineData("ws", "sse")]
    [InlineData("poll", "ws")]
    public async Task Edit_delete_reaction_and_reply_are_visible_to_the_other_user(string aliceChannel, string bobChannel)
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "actions", aliceChannel, bobChannel);
        var (alice, bob) = (scene.Alice, scene.Bob);

        await alice.SendAsync("first draft");
        await alice.SendAsync("to be removed");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["first draft", "to be removed"], new() { Timeout = BrowserUser.LongWaitMs });

        // Bob reacts; alice sees the count and who reacted.
        await bob.ClickActionAsync("first draft", "react", "👍");
        var reaction = alice.Message("first draft").GetByTestId("reaction");
        await Expect(reaction).ToHaveTextAsync("👍 1", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(reaction).ToHaveAttributeAsync("title", bob.Name);

        // Alice edits with the keyboard (Enter saves); bob sees the new text marked as edited.
        await alice.ClickActionAsync("first draft", "edit");
        var editor = alice.Page.GetByTestId("edit-input");
        await editor.FillAsync("final text");
        await editor.PressAsync("Enter");
        await Expect(bob.Message("final text").GetByTestId("edited")).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Message("final text").GetByTestId("reaction")).ToHaveTextAsync("👍 1");

        // Alice deletes her second message; bob sees a tombstone and no delete button on alice's messages.
        await alice.ClickActionAsync("to be removed", "delete");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["final text", "message deleted"], new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.Message("final text").GetByTestId("delete")).ToHaveCountAsync(0);

        // Bob replies; alice sees the quote of the message replied to.
        await bob.ClickActionAsync("final text", "reply");
        await bob.SendAsync("a reply");
        await Expect(alice.Message("a reply").GetByTestId("reply-quote")).ToHaveTextAsync($"↪ {alice.Name}: final text", new() { Timeout = BrowserUser.LongWaitMs });
        await alice.ScreenshotAsync($"actions-{aliceChannel}-{bobChannel}");
    }

    [Fact]
    public async Task A_mention_in_another_room_shows_unread_and_mention_badges_and_a_notification()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        var busy = await alice.CreateUniqueRoomAsync("busy");
        var quiet = await alice.CreateUniqueRoomAsync("quiet");
        await using var bob = await BrowserUser.SignInAsync(chromium, app, "bob", "sse");
        await bob.JoinRoomAsync(busy);
        await bob.JoinRoomAsync(quiet);

        // Bob is looking at "quiet"; alice writes in "busy", once mentioning him.
        await alice.Page.Locator($"[data-testid=room-link][data-room='{busy}']").ClickAsync();
        await alice.SendAsync("just chatting");
        await alice.SendAsync($"hey @{bob.Name}, look");

        var busyLink = bob.Page.Locator($"[data-testid=room-link][data-room='{busy}']");
        await Expect(busyLink.GetByTestId("unread-badge")).ToHaveTextAsync("2", new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(busyLink.GetByTestId("mention-badge")).ToHaveTextAsync("@1");
        await Expect(bob.Page.GetByTestId("notifications-badge")).ToHaveTextAsync("1", new() { Timeout = BrowserUser.LongWaitMs });
        await bob.ScreenshotAsync("badges");

        // Opening the room reads it: the badges go, and the "new messages" marker sits before alice's messages.
        await busyLink.ClickAsync();
        await Expect(bob.Page.GetByTestId("unread-divider")).ToBeVisibleAsync();
        await Expect(busyLink.GetByTestId("unread-badge")).ToHaveCountAsync(0);
        await Expect(busyLink.GetByTestId("mention-badge")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Types about 3 keys a second, so the text spans more than one of the client's typing announcements (at most one
    /// per 2 s while typing goes on, as TypingThrottle relays them): an announcement is an ephemeral signal, never
    /// replayed, and the first can reach bob's instance before his own join (committed, then through the outbox) has put
    /// the room in his stream; the next one then shows the indicator, as it would to a person.
    /// </summary>
    private static Task TypeAsPersonAsync(BrowserUser user, string text) =>
        user.Page.GetByTestId("composer-input").PressSequentiallyAsync(text, new() { Delay = 350 });

    [Fact]
    public async Task Typing_on_the_websocket_shows_an_indicator_to_the_other_user_and_presence_lists_them_online()
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "typing", "ws", "sse");
        var (alice, bob) = (scene.Alice, scene.Bob);

        // Bob looks while alice types, as a person would: the indicator lasts 4 s after an announcement, so looking only
        // once the typing is over can miss it when the keystrokes are slow (a loaded machine: CI, session 14).
        var typing = TypeAsPersonAsync(alice, "typing slowly");
        await Expect(bob.Page.GetByTestId("typing-indicator")).ToHaveTextAsync($"{alice.Name} is typing…", new() { Timeout = BrowserUser.LongWaitMs });
        await typing;
        // Both were connected before sharing the room: the presence snapshot, not a signal, shows each online to the other.
        await Expect(bob.Page.Locator($"[data-testid=person][data-user='{alice.Name}']")).ToHaveAttributeAsync("data-presence", "online");
        await Expect(alice.Page.Locator($"[data-testid=person][data-user='{bob.Name}']")).ToHaveAttributeAsync("data-presence", "online", new() { Timeout = BrowserUser.LongWaitMs });
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("poll")]
    public async Task Typing_off_the_websocket_is_announced_over_rest_and_the_websocket_user_sees_the_indicator(string channel)
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "typing-" + channel, channel, "ws");
        var (alice, bob) = (scene.Alice, scene.Bob);

        var typing = TypeAsPersonAsync(alice, $"typing on {channel}");
        await Expect(bob.Page.GetByTestId("typing-indicator")).ToHaveTextAsync($"{alice.Name} is typing…", new() { Timeout = BrowserUser.LongWaitMs });
        await typing;
    }
}
