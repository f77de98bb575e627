using System.Text.Json;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.Moderation;

/// <summary>Read-only rooms, slow mode, rename and topic (<c>room.updated</c>), against the real redis-server.</summary>
public sealed class RoomSettingsTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    private static async Task<ChatException> RefusalOf(Func<Task> action) => await Assert.ThrowsAsync<ChatException>(action);

    private async Task<(string Room, string Alice, string Bob, string Carol)> RoomOfThreeAsync(string name)
    {
        var (alice, bob, carol) = (t.User("alice"), t.User("bob"), t.User("carol"));
        var room = await t.PublicRoomAsync(alice, name);
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        await t.Chat.JoinRoomAsync(carol, room.Id, Token);
        await t.Chat.SetRoleAsync(alice, room.Id, bob, RoomRole.Moderator, Token);
        return (room.Id, alice, bob, carol);
    }

    [Fact]
    public async Task A_read_only_room_refuses_members_content_but_not_moderators()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("read-only");
        var before = await t.Chat.PostMessageAsync(carol, room, "before", null, null, Token);

        var updated = await t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(ReadOnly: true), Token);
        Assert.Equal(ChatEventTypes.RoomUpdated, updated.Event!.Type);
        var data = JsonDocument.Parse(updated.Event.Json).RootElement.GetProperty("data");
        Assert.True(data.GetProperty("readOnly").GetBoolean());
        Assert.False(data.TryGetProperty("name", out _));
        Assert.True((await t.Chat.GetRoomAsync(carol, room, Token)).ReadOnly);

        Assert.Equal(ChatError.RoomReadOnly, (await RefusalOf(() => t.Chat.PostMessageAsync(carol, room, "hi", null, null, Token))).Error);
        Assert.Equal(ChatError.RoomReadOnly, (await RefusalOf(() => t.Chat.PostBotMessageAsync(carol, room, "hi", "bot", null, Token))).Error);
        Assert.Equal(ChatError.RoomReadOnly, (await RefusalOf(() => t.Chat.EditMessageAsync(carol, room, before.EventId, "edited", Token))).Error);
        Assert.Equal(ChatError.RoomReadOnly, (await RefusalOf(() => t.Chat.AddReactionAsync(carol, room, before.EventId, "👍", Token))).Error);
        // Members still delete their own messages and mark the room read.
        await t.Chat.MarkReadAsync(carol, room, before.EventId, Token);

        await t.Chat.PostMessageAsync(bob, room, "moderators speak", null, null, Token);
        await t.Chat.PostMessageAsync(alice, room, "so does the owner", null, null, Token);
        await t.Chat.DeleteMessageAsync(carol, room, before.EventId, Token);

        await t.Chat.UpdateRoomAsync(alice, room, new RoomChanges(ReadOnly: false), Token);
        await t.Chat.PostMessageAsync(carol, room, "open again", null, null, Token);
        Assert.Equal(ChatError.NotModerator, (await RefusalOf(() => t.Chat.UpdateRoomAsync(carol, room, new RoomChanges(ReadOnly: true), Token))).Error);
        Assert.False((await t.Chat.GetRoomAsync(carol, room, Token)).ReadOnly);
    }

    [Fact]
    public async Task A_retried_send_accepted_before_the_room_went_read_only_is_answered_as_the_same_message()
    {
        var (room, _, bob, carol) = await RoomOfThreeAsync("retry");
        var first = await t.Chat.PostMessageAsync(carol, room, "hello", null, "key-1", Token);
        await t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(ReadOnly: true), Token);
        var retry = await t.Chat.PostMessageAsync(carol, room, "hello", null, "key-1", Token);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.EventId, retry.EventId);
    }

    [Fact]
    public async Task Slow_mode_allows_one_message_per_interval_and_says_how_long_to_wait()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("slow");
        await t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(SlowModeSeconds: 2), Token);
        Assert.Equal(2, (await t.Chat.GetRoomAsync(carol, room, Token)).SlowModeSeconds);

        await t.Chat.PostMessageAsync(carol, room, "one", null, null, Token);
        var refused = await RefusalOf(() => t.Chat.PostMessageAsync(carol, room, "two", null, null, Token));
        Assert.Equal(ChatError.SlowMode, refused.Error);
        Assert.Equal("slow_mode", refused.Code);
        Assert.InRange(refused.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2));

        // Moderators and the owner are exempt; other members have their own interval.
        await t.Chat.PostMessageAsync(bob, room, "mod 1", null, null, Token);
        await t.Chat.PostMessageAsync(bob, room, "mod 2", null, null, Token);
        await t.Chat.PostMessageAsync(alice, room, "owner 1", null, null, Token);
        await t.Chat.PostMessageAsync(alice, room, "owner 2", null, null, Token);

        await Task.Delay(refused.RetryAfter.Value + TimeSpan.FromMilliseconds(50), Token);
        await t.Chat.PostMessageAsync(carol, room, "two, later", null, null, Token);

        await t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(SlowModeSeconds: 0), Token);
        await t.Chat.PostMessageAsync(carol, room, "three", null, null, Token);
        await t.Chat.PostMessageAsync(carol, room, "four", null, null, Token);
    }

    [Fact]
    public async Task Parallel_sends_cannot_slip_through_slow_mode_together()
    {
        var (room, _, bob, carol) = await RoomOfThreeAsync("slow-race");
        await t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(SlowModeSeconds: 60), Token);
        var sends = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await t.Chat.PostMessageAsync(carol, room, $"burst {i}", null, $"burst-{i}", Token);
                return true;
            }
            catch (ChatException ex) when (ex.Error == ChatError.SlowMode)
            {
                return false;
            }
        })).ToList();
        var accepted = await Task.WhenAll(sends);

        Assert.Single(accepted, a => a);
        Assert.Single((await t.Chat.GetHistoryAsync(carol, room, null, null, 50, Token)).Messages);
    }

    [Fact]
    public async Task Slow_mode_bounds_come_from_the_options()
    {
        var small = new ChatTestContext(redis, new ChatOptions { MaxSlowModeSeconds = 30 });
        var alice = small.User("alice");
        var room = await small.PublicRoomAsync(alice, "bounds");
        Assert.Equal(ChatError.InvalidArgument, (await RefusalOf(() => small.Chat.UpdateRoomAsync(alice, room.Id, new RoomChanges(SlowModeSeconds: 31), Token))).Error);
        Assert.Equal(ChatError.InvalidArgument, (await RefusalOf(() => small.Chat.UpdateRoomAsync(alice, room.Id, new RoomChanges(SlowModeSeconds: -1), Token))).Error);
        await small.Chat.UpdateRoomAsync(alice, room.Id, new RoomChanges(SlowModeSeconds: 30), Token);
        Assert.Equal(ChatError.InvalidArgument, (await RefusalOf(() => small.Chat.UpdateRoomAsync(alice, room.Id, new RoomChanges(), Token))).Error);

        Assert.False(new ChatOptionsValidator().Validate(null, new ChatOptions { MaxSlowModeSeconds = 0 }).Succeeded);
        Assert.True(new ChatOptionsValidator().Validate(null, new ChatOptions()).Succeeded);
    }

    [Fact]
    public async Task A_moderator_renames_the_room_and_sets_or_clears_its_topic()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("rename");
        var renamed = await t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(Name: "  Town hall ", Topic: "Q&A on Fridays"), Token);
        var data = JsonDocument.Parse(renamed.Event!.Json).RootElement.GetProperty("data");
        Assert.Equal("Town hall", data.GetProperty("name").GetString());
        Assert.Equal("Q&A on Fridays", data.GetProperty("topic").GetString());
        var summary = await t.Chat.GetRoomAsync(carol, room, Token);
        Assert.Equal(("Town hall", "Q&A on Fridays"), (summary.Name, summary.Topic));

        var cleared = await t.Chat.UpdateRoomAsync(alice, room, new RoomChanges(Topic: ""), Token);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(cleared.Event!.Json).RootElement.GetProperty("data").GetProperty("topic").ValueKind);
        Assert.Null((await t.Chat.GetRoomAsync(carol, room, Token)).Topic);
        Assert.Equal("Town hall", (await t.Chat.GetRoomAsync(carol, room, Token)).Name);

        Assert.Equal(ChatError.NotModerator, (await RefusalOf(() => t.Chat.UpdateRoomAsync(carol, room, new RoomChanges(Name: "Mine now"), Token))).Error);
        Assert.Equal(ChatError.InvalidArgument, (await RefusalOf(() => t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(Name: "  "), Token))).Error);
        Assert.Equal(ChatError.InvalidArgument, (await RefusalOf(() => t.Chat.UpdateRoomAsync(bob, room, new RoomChanges(Topic: new string('t', 1001)), Token))).Error);
        Assert.Equal("Town hall", (await t.Chat.GetRoomAsync(carol, room, Token)).Name);
    }
}
