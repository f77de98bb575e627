using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.EventLog;

/// <summary>
/// History's visibility rule as other readers (search) ask it: which rooms a user may read, and which messages history
/// would show them — checked against what <see cref="IChatService.GetHistoryAsync"/> itself shows or refuses.
/// </summary>
public sealed class VisibilityTests(RedisServerFixture redis)
{
    // Three messages of history per room: a fourth trims the first.
    private readonly ChatTestContext t = new(redis, new ChatOptions { Retention = { MaxEventsPerRoom = 3 } });

    private static CancellationToken Token => ChatTestContext.Token;

    [Fact]
    public async Task A_member_is_shown_each_message_as_history_shows_it_and_trimmed_ones_are_reported_gone()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = (await t.PublicRoomAsync(alice, "seen")).Id;
        await t.Chat.JoinRoomAsync(bob, room, Token);
        var trimmed = (await t.Chat.PostMessageAsync(alice, room, "first, trimmed later", null, null, Token)).EventId;
        var edited = (await t.Chat.PostMessageAsync(alice, room, "typo", null, null, Token)).EventId;
        var deleted = (await t.Chat.PostMessageAsync(bob, room, "oops", null, null, Token)).EventId;
        var plain = (await t.Chat.PostMessageAsync(bob, room, "plain", null, null, Token)).EventId;
        await t.Chat.EditMessageAsync(alice, room, edited, "fixed", Token);
        await t.Chat.DeleteMessageAsync(bob, room, deleted, Token);

        var asked = new[] { (room, plain), (room, trimmed), (room, deleted), (room, edited), (room, plain + 1000) };
        var shown = await t.Chat.GetVisibleMessagesAsync(bob, asked, Token);

        var history = (await t.Chat.GetHistoryAsync(bob, room, null, null, 50, Token)).Messages.ToDictionary(message => message.Id);
        Assert.Equal([edited, deleted, plain], history.Keys.Order());
        Assert.Equal(5, shown.Count);
        Assert.Equal(View(history[plain]), View(shown[0].Message));
        Assert.Equal(MessageVisibility.NotInHistory, shown[1]);
        Assert.Equal(View(history[deleted]), View(shown[2].Message));
        Assert.True(shown[2].Message!.Deleted);
        Assert.Equal(View(history[edited]), View(shown[3].Message));
        Assert.Equal("fixed", shown[3].Message!.Text);
        Assert.NotNull(shown[3].Message!.EditedAt);
        Assert.Equal(MessageVisibility.NotInHistory, shown[4]);
        Assert.All(shown.Take(1).Concat(shown.Skip(2).Take(2)), visibility => Assert.True(visibility.InHistory));
    }

    [Fact]
    public async Task Only_members_at_the_time_of_the_request_are_shown_messages_in_one_call_over_several_rooms()
    {
        var (alice, bob, carol) = (t.User("alice"), t.User("bob"), t.User("carol"));
        var open = (await t.PublicRoomAsync(alice, "open")).Id;
        var left = (await t.PublicRoomAsync(alice, "left")).Id;
        var banned = (await t.PublicRoomAsync(alice, "banned")).Id;
        foreach (var room in new[] { open, left, banned })
        {
            await t.Chat.JoinRoomAsync(bob, room, Token);
        }

        var inOpen = (await t.Chat.PostMessageAsync(alice, open, "in open", null, null, Token)).EventId;
        var inLeft = (await t.Chat.PostMessageAsync(alice, left, "in left", null, null, Token)).EventId;
        var inBanned = (await t.Chat.PostMessageAsync(alice, banned, "in banned", null, null, Token)).EventId;
        (string, long)[] asked = [(left, inLeft), (open, inOpen), (banned, inBanned)];
        Assert.All(await t.Chat.GetVisibleMessagesAsync(bob, asked, Token), visibility => Assert.NotNull(visibility.Message));

        await t.Chat.LeaveRoomAsync(bob, left, Token);
        await t.Chat.BanAsync(alice, banned, bob, Token);
        var shown = await t.Chat.GetVisibleMessagesAsync(bob, asked, Token);

        Assert.Equal(MessageVisibility.NotReadable, shown[0]);
        Assert.Equal("in open", shown[1].Message?.Text);
        Assert.Equal(MessageVisibility.NotReadable, shown[2]);
        // Never a member: the same as having left.
        Assert.All(await t.Chat.GetVisibleMessagesAsync(carol, asked, Token), visibility => Assert.Equal(MessageVisibility.NotReadable, visibility));
        Assert.Empty(await t.Chat.GetVisibleMessagesAsync(bob, [], Token));
    }

    [Fact]
    public async Task Readable_rooms_are_the_members_rooms_and_one_room_is_refused_exactly_as_history_refuses_it()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var first = (await t.PublicRoomAsync(alice, "first")).Id;
        var second = (await t.PublicRoomAsync(alice, "second")).Id;
        var closed = (await t.PublicRoomAsync(alice, "closed")).Id;
        await t.Chat.JoinRoomAsync(bob, first, Token);
        await t.Chat.JoinRoomAsync(bob, second, Token);
        await t.Chat.JoinRoomAsync(bob, closed, Token);
        await t.Chat.BanAsync(alice, closed, bob, Token);

        Assert.Equal([first, second], (await t.Chat.GetReadableRoomsAsync(bob, null, Token)).Order());
        Assert.Equal([first], await t.Chat.GetReadableRoomsAsync(bob, first, Token));
        Assert.Empty(await t.Chat.GetReadableRoomsAsync(t.User("nobody"), null, Token));

        foreach (var (room, error) in new[] { (closed, ChatError.Banned), (t.Room("missing"), ChatError.RoomNotFound), (first, ChatError.NotMember) })
        {
            var asker = room == first ? t.User("stranger") : bob;
            var refused = await Assert.ThrowsAsync<ChatException>(() => t.Chat.GetReadableRoomsAsync(asker, room, Token));
            var byHistory = await Assert.ThrowsAsync<ChatException>(() => t.Chat.GetHistoryAsync(asker, room, null, null, 10, Token));
            Assert.Equal(error, refused.Error);
            Assert.Equal(byHistory.Error, refused.Error);
            Assert.Equal(byHistory.Message, refused.Message);
        }

        var malformed = await Assert.ThrowsAsync<ChatException>(() => t.Chat.GetReadableRoomsAsync(bob, "Not A Room", Token));
        Assert.Equal(ChatError.InvalidArgument, malformed.Error);
    }

    // What a reader sees of a message (its lists compared by content).
    private static string? View(ChatMessage? message) => message is null
        ? null
        : $"{message.Id}|{message.Room}|{message.Author}|{message.Text}|{message.CreatedAt:O}|{message.EditedAt:O}|{message.Deleted}|{string.Join(' ', message.Mentions)}|{message.Reactions.Count}";
}
