using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.EventLog;

/// <summary>Posts by a bot member (an inbound hook): ordinary message events that also carry the chosen display name.</summary>
public sealed class BotPostTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    [Fact]
    public async Task A_bot_member_posts_with_its_username_in_the_event_and_retries_are_deduplicated()
    {
        var owner = t.User("owner");
        var room = await t.PublicRoomAsync(owner, "hooked");
        var bot = "hook-" + Guid.NewGuid().ToString("N");
        await t.Chat.JoinRoomAsync(bot, room.Id, Token);

        var first = await t.Chat.PostBotMessageAsync(bot, room.Id, "deployed", "CI", "delivery-1", Token);
        var again = await t.Chat.PostBotMessageAsync(bot, room.Id, "deployed", "CI", "delivery-1", Token);

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.EventId, again.EventId);
        using var json = JsonDocument.Parse(first.Event!.Json);
        Assert.Equal(bot, json.RootElement.GetProperty("actor").GetString());
        Assert.Equal("CI", json.RootElement.GetProperty("data").GetProperty("username").GetString());
        Assert.Equal("deployed", json.RootElement.GetProperty("data").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Ordinary_posts_carry_no_username_and_bots_must_be_members()
    {
        var owner = t.User("owner");
        var room = await t.PublicRoomAsync(owner, "plain");
        var posted = await t.Chat.PostMessageAsync(owner, room.Id, "hi", null, null, Token);
        using var json = JsonDocument.Parse(posted.Event!.Json);
        Assert.False(json.RootElement.GetProperty("data").TryGetProperty("username", out _));

        var refused = await Assert.ThrowsAsync<ChatException>(() =>
            t.Chat.PostBotMessageAsync("hook-" + Guid.NewGuid().ToString("N"), room.Id, "sneaky", null, null, Token));
        Assert.Equal(ChatError.NotMember, refused.Error);

        var badName = await Assert.ThrowsAsync<ChatException>(() =>
            t.Chat.PostBotMessageAsync(owner, room.Id, "x", "bad\nname", null, Token));
        Assert.Equal(ChatError.InvalidArgument, badName.Error);
    }
}
