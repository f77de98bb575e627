using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>People on different channels in one room see the same conversation, and a dropped connection loses nothing.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChannelChatTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task Three_users_on_websocket_sse_and_long_poll_see_the_same_ordered_conversation()
    {
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "ws");
        var room = await alice.CreateUniqueRoomAsync("three");
        await using var bob = await BrowserUser.SignInAsync(chromium, app, "bob", "sse");
        await using var carol = await BrowserUser.SignInAsync(chromium, app, "carol", "poll");
        await bob.JoinRoomAsync(room);
        await carol.JoinRoomAsync(room);

        string[] expected = [];
        foreach (var (sender, round) in new[] { alice, bob, carol, alice, bob, carol }.Select((u, i) => (u, i)))
        {
            var text = $"{round}: {sender.Name} says hello";
            await sender.SendAsync(text);
            expected = [.. expected, text];
            // Each sender waits for its own message before the next one speaks, so the order is known.
            await Expect(sender.MessageTexts).ToHaveTextAsync(expected, new() { Timeout = BrowserUser.LongWaitMs });
        }

        foreach (var user in new[] { alice, bob, carol })
        {
            await Expect(user.MessageTexts).ToHaveTextAsync(expected, new() { Timeout = BrowserUser.LongWaitMs });
        }

        Assert.Equal("ws", await alice.Page.EvaluateAsync<string>("window.chatmesh.channel"));
        Assert.Equal("sse", await bob.Page.EvaluateAsync<string>("window.chatmesh.channel"));
        Assert.Equal("poll", await carol.Page.EvaluateAsync<string>("window.chatmesh.channel"));
        await alice.ScreenshotAsync("three-channels-alice-ws");
        await carol.ScreenshotAsync("three-channels-carol-poll");
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("sse")]
    [InlineData("poll")]
    public async Task A_connection_dropped_mid_conversation_shows_every_message_once_after_reconnecting(string channel)
    {
        await using var scene = await BrowserRoom.StartAsync(chromium, app, "drop", "ws", channel);
        var (alice, bob) = (scene.Alice, scene.Bob);

        await alice.SendAsync("before the drop");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["before the drop"], new() { Timeout = BrowserUser.LongWaitMs });

        // Bob's network goes away and his live connection with it; alice keeps talking.
        await bob.Context.SetOfflineAsync(true);
        await bob.Page.EvaluateAsync("window.chatmesh.drop()");
        await Expect(bob.Status).Not.ToHaveAttributeAsync("data-state", "connected");
        await alice.SendAsync("while bob is away 1");
        await alice.SendAsync("while bob is away 2");
        await Expect(alice.MessageTexts).ToHaveCountAsync(3);
        await Expect(bob.Status).Not.ToHaveAttributeAsync("data-state", "connected");
        await bob.ScreenshotAsync($"dropped-{channel}-offline");

        await bob.Context.SetOfflineAsync(false);
        await bob.WaitConnectedAsync(channel);
        await alice.SendAsync("after the reconnect");

        string[] expected = ["before the drop", "while bob is away 1", "while bob is away 2", "after the reconnect"];
        await Expect(bob.MessageTexts).ToHaveTextAsync(expected, new() { Timeout = BrowserUser.LongWaitMs });
        await bob.SendAsync("bob is back");
        await Expect(alice.MessageTexts).ToHaveTextAsync([.. expected, "bob is back"], new() { Timeout = BrowserUser.LongWaitMs });
        await Expect(bob.MessageTexts).ToHaveTextAsync([.. expected, "bob is back"], new() { Timeout = BrowserUser.LongWaitMs });
    }

    [Fact]
    public async Task Auto_falls_back_from_websocket_to_sse_to_long_poll_when_they_cannot_connect()
    {
        // Bob's network refuses WebSockets (closed at once) and event streams (aborted), as some proxies do.
        await using var bob = await BrowserUser.SignInAsync(chromium, app, "bob", "auto", async context =>
        {
            await context.RouteWebSocketAsync("**/ws", ws => ws.CloseAsync());
            // (A pattern, not a glob: "**/sse**" would also block the client's own /js/transports/sse.js.)
            await context.RouteAsync(new System.Text.RegularExpressions.Regex("/sse(\\?|$)"), route => route.AbortAsync());
        }, expectChannel: "poll");
        await using var alice = await BrowserUser.SignInAsync(chromium, app, "alice", "auto");
        var room = await alice.CreateUniqueRoomAsync("auto");
        await bob.JoinRoomAsync(room);

        await alice.SendAsync("reaches bob by long-poll");
        await Expect(bob.MessageTexts).ToHaveTextAsync(["reaches bob by long-poll"], new() { Timeout = BrowserUser.LongWaitMs });
        await bob.SendAsync("and back over REST");
        await Expect(alice.MessageTexts).ToHaveTextAsync(["reaches bob by long-poll", "and back over REST"], new() { Timeout = BrowserUser.LongWaitMs });
        Assert.Equal("ws", await alice.Page.EvaluateAsync<string>("window.chatmesh.channel"));
    }
}
