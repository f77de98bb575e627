using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.Messages;

public sealed class MessageTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    private static async Task<ChatError> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<ChatException>(action)).Error;

    [Fact]
    public async Task A_posted_message_shows_in_history()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "general");

        var posted = await t.Chat.PostMessageAsync(alice, room.Id, "  hello world  ", null, null, Token);

        Assert.False(posted.Duplicate);
        Assert.Equal(ChatEventTypes.MessageCreated, posted.Event!.Type);
        var page = await t.Chat.GetHistoryAsync(alice, room.Id, null, null, 10, Token);
        var message = Assert.Single(page.Messages);
        Assert.False(page.HasMore);
        Assert.Equal(posted.EventId, message.Id);
        Assert.Equal("hello world", message.Text);
        Assert.Equal(alice, message.Author);
        Assert.False(message.Deleted);
        var summary = await t.Chat.GetRoomAsync(alice, room.Id, Token);
        Assert.Equal(1, summary.MessageCount);
        Assert.Equal(posted.EventId, summary.LastEventId);
    }

    [Fact]
    public async Task Non_members_cannot_post_or_read_history()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.PublicRoomAsync(alice, "members-only");
        var head = await t.Chat.GetHeadAsync(Token);
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.PostMessageAsync(bob, room.Id, "hi", null, null, Token)));
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.GetHistoryAsync(bob, room.Id, null, null, 10, Token)));
        Assert.Equal(ChatError.RoomNotFound, await ErrorOf(() => t.Chat.PostMessageAsync(bob, t.Room("void"), "hi", null, null, Token)));
        // A refused command writes nothing, not even an id.
        Assert.Equal(0, (await t.Chat.GetRoomAsync(alice, room.Id, Token)).MessageCount);
        Assert.False(await t.Db.KeyExistsAsync($"chat:room:{t.Room("void")}"));
        Assert.Empty((await t.Chat.ReplayAsync(bob, 0, 10, Token)).Events);
    }

    [Fact]
    public async Task Text_must_be_non_empty_and_within_the_limit()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "limits");
        Assert.Equal(ChatError.TextTooLong, await ErrorOf(() => t.Chat.PostMessageAsync(alice, room.Id, new string('x', 4001), null, null, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.PostMessageAsync(alice, room.Id, " \n ", null, null, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.PostMessageAsync(alice, room.Id, "x", null, "bad\u00e9key", Token)));
        Assert.Equal(ChatError.MessageNotFound, await ErrorOf(() => t.Chat.PostMessageAsync(alice, room.Id, "x", 999_999_999, null, Token)));
        var ok = await t.Chat.PostMessageAsync(alice, room.Id, new string('x', 4000), null, null, Token);
        Assert.False(ok.Duplicate);
    }

    [Fact]
    public async Task Retrying_with_the_same_idempotency_key_yields_one_message()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "idem");
        var first = await t.Chat.PostMessageAsync(alice, room.Id, "once", null, "key-1", Token);
        var retry = await t.Chat.PostMessageAsync(alice, room.Id, "once", null, "key-1", Token);

        Assert.True(retry.Duplicate);
        Assert.Null(retry.Event);
        Assert.Equal(first.EventId, retry.EventId);
        Assert.Single((await t.Chat.GetHistoryAsync(alice, room.Id, null, null, 10, Token)).Messages);
        var summary = await t.Chat.GetRoomAsync(alice, room.Id, Token);
        Assert.Equal(first.EventId, summary.LastEventId);
        Assert.Equal(1, summary.MessageCount);
    }

    [Fact]
    public async Task Only_the_author_edits_and_the_author_or_owner_deletes()
    {
        var (alice, bob, carol) = (t.User("alice"), t.User("bob"), t.User("carol"));
        var room = await t.PublicRoomAsync(alice, "edits");
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        await t.Chat.JoinRoomAsync(carol, room.Id, Token);
        var bobs = await t.Chat.PostMessageAsync(bob, room.Id, "typo", null, null, Token);
        var other = await t.Chat.PostMessageAsync(bob, room.Id, "second", null, null, Token);

        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.EditMessageAsync(alice, room.Id, bobs.EventId, "nope", Token)));
        var edited = await t.Chat.EditMessageAsync(bob, room.Id, bobs.EventId, "fixed", Token);
        Assert.Equal(ChatEventTypes.MessageEdited, edited.Event!.Type);

        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.DeleteMessageAsync(carol, room.Id, bobs.EventId, Token)));
        await t.Chat.DeleteMessageAsync(bob, room.Id, other.EventId, Token);
        await t.Chat.DeleteMessageAsync(alice, room.Id, bobs.EventId, Token);
        Assert.Equal(ChatError.MessageNotFound, await ErrorOf(() => t.Chat.DeleteMessageAsync(alice, room.Id, bobs.EventId, Token)));
        Assert.Equal(ChatError.MessageNotFound, await ErrorOf(() => t.Chat.EditMessageAsync(bob, room.Id, bobs.EventId, "again", Token)));

        var history = (await t.Chat.GetHistoryAsync(alice, room.Id, null, null, 10, Token)).Messages;
        Assert.Equal([bobs.EventId, other.EventId], history.Select(m => m.Id));
        Assert.All(history, m => Assert.True(m.Deleted));
        Assert.All(history, m => Assert.Equal("", m.Text));
    }

    [Fact]
    public async Task An_edit_changes_the_text_history_shows()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "edit-text");
        var posted = await t.Chat.PostMessageAsync(alice, room.Id, "draft", null, null, Token);
        await t.Chat.EditMessageAsync(alice, room.Id, posted.EventId, "final", Token);
        var message = Assert.Single((await t.Chat.GetHistoryAsync(alice, room.Id, null, null, 10, Token)).Messages);
        Assert.Equal("final", message.Text);
        Assert.NotNull(message.EditedAt);
    }

    [Fact]
    public async Task Members_react_once_per_emoji_and_can_take_it_back()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.PublicRoomAsync(alice, "reactions");
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        var posted = await t.Chat.PostMessageAsync(alice, room.Id, "vote", null, null, Token);

        var added = await t.Chat.AddReactionAsync(bob, room.Id, posted.EventId, "👍", Token);
        Assert.Equal(ChatEventTypes.ReactionAdded, added.Event!.Type);
        Assert.True((await t.Chat.AddReactionAsync(bob, room.Id, posted.EventId, "👍", Token)).Duplicate);
        await t.Chat.AddReactionAsync(alice, room.Id, posted.EventId, "👍", Token);
        await t.Chat.AddReactionAsync(alice, room.Id, posted.EventId, ":tada:", Token);
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.AddReactionAsync(alice, room.Id, posted.EventId, "a b", Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.AddReactionAsync(alice, room.Id, posted.EventId, new string('x', 33), Token)));
        Assert.Equal(ChatError.MessageNotFound, await ErrorOf(() => t.Chat.AddReactionAsync(alice, room.Id, posted.EventId + 100_000, "x", Token)));

        var message = Assert.Single((await t.Chat.GetHistoryAsync(alice, room.Id, null, null, 10, Token)).Messages);
        Assert.Equal([bob, alice], message.Reactions["👍"]);
        Assert.Equal([alice], message.Reactions[":tada:"]);

        var removed = await t.Chat.RemoveReactionAsync(bob, room.Id, posted.EventId, "👍", Token);
        Assert.Equal(ChatEventTypes.ReactionRemoved, removed.Event!.Type);
        Assert.True((await t.Chat.RemoveReactionAsync(bob, room.Id, posted.EventId, "👍", Token)).Duplicate);
        await t.Chat.RemoveReactionAsync(alice, room.Id, posted.EventId, ":tada:", Token);
        message = Assert.Single((await t.Chat.GetHistoryAsync(alice, room.Id, null, null, 10, Token)).Messages);
        Assert.Equal([alice], message.Reactions["👍"]);
        Assert.False(message.Reactions.ContainsKey(":tada:"));
    }

    [Fact]
    public async Task A_mention_of_a_member_notifies_them_and_counts()
    {
        var (alice, bob, carol) = (t.User("alice"), t.User("bob"), t.User("carol"));
        var room = await t.PublicRoomAsync(alice, "mentions");
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        var head = await t.Chat.GetHeadAsync(Token);

        // carol is not a member, alice is the author: only bob counts.
        var posted = await t.Chat.PostMessageAsync(alice, room.Id, $"hey @{bob}, @{carol} and @{alice}: look", null, null, Token);

        var message = Assert.Single((await t.Chat.GetHistoryAsync(bob, room.Id, null, null, 10, Token)).Messages);
        Assert.Equal([bob], message.Mentions);
        var notification = Assert.Single((await t.Chat.ReplayAsync(bob, head, 100, Token)).Events, e => e.User == bob);
        Assert.Equal(ChatEventTypes.NotificationMention, notification.Type);
        using var json = System.Text.Json.JsonDocument.Parse(notification.Json);
        Assert.Equal(posted.EventId, json.RootElement.GetProperty("data").GetProperty("messageId").GetInt64());
        Assert.Equal(bob, json.RootElement.GetProperty("user").GetString());
        Assert.Equal(alice, json.RootElement.GetProperty("data").GetProperty("by").GetString());
        using var created = System.Text.Json.JsonDocument.Parse(posted.Event!.Json);
        Assert.Equal(bob, Assert.Single(created.RootElement.GetProperty("data").GetProperty("mentions").EnumerateArray()).GetString());

        var bobsRoom = Assert.Single(await t.Chat.ListMyRoomsAsync(bob, Token));
        Assert.Equal(1, bobsRoom.Mentions);
        Assert.Equal(1, bobsRoom.Unread);
        Assert.Empty((await t.Chat.ReplayAsync(carol, head, 100, Token)).Events);
    }

    [Fact]
    public async Task Reading_moves_the_cursor_forward_and_resets_mentions()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.PublicRoomAsync(alice, "reads");
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        var first = await t.Chat.PostMessageAsync(alice, room.Id, $"one @{bob}", null, null, Token);
        await t.Chat.PostMessageAsync(alice, room.Id, "two", null, null, Token);
        var third = await t.Chat.PostMessageAsync(alice, room.Id, "three", null, null, Token);
        Assert.Equal(3, Assert.Single(await t.Chat.ListMyRoomsAsync(bob, Token)).Unread);

        var read = await t.Chat.MarkReadAsync(bob, room.Id, first.EventId, Token);
        Assert.Equal(ChatEventTypes.ReadUpdated, read.Event!.Type);
        Assert.Equal(bob, read.Event.User);
        using (var json = System.Text.Json.JsonDocument.Parse(read.Event.Json))
        {
            var data = json.RootElement.GetProperty("data");
            Assert.Equal(first.EventId, data.GetProperty("lastRead").GetInt64());
            Assert.Equal(2, data.GetProperty("unread").GetInt64());
            Assert.Equal(0, data.GetProperty("mentions").GetInt64());
        }

        var mine = Assert.Single(await t.Chat.ListMyRoomsAsync(bob, Token));
        Assert.Equal(first.EventId, mine.LastReadEventId);
        Assert.Equal(2, mine.Unread);
        Assert.Equal(0, mine.Mentions);

        Assert.True((await t.Chat.MarkReadAsync(bob, room.Id, first.EventId - 1, Token)).Duplicate);
        Assert.Equal(first.EventId, Assert.Single(await t.Chat.ListMyRoomsAsync(bob, Token)).LastReadEventId);
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.MarkReadAsync(bob, room.Id, third.EventId + 1_000_000, Token)));
        await t.Chat.MarkReadAsync(bob, room.Id, third.EventId, Token);
        Assert.Equal(0, Assert.Single(await t.Chat.ListMyRoomsAsync(bob, Token)).Unread);
    }

    [Fact]
    public async Task The_other_member_of_a_direct_room_is_notified()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.Chat.OpenDirectAsync(alice, bob, Token);
        var head = await t.Chat.GetHeadAsync(Token);
        await t.Chat.PostMessageAsync(alice, room.Id, "psst", null, null, Token);
        var replay = await t.Chat.ReplayAsync(bob, head, 100, Token);
        Assert.Equal([ChatEventTypes.MessageCreated, ChatEventTypes.NotificationDirect], replay.Events.Select(e => e.Type));
        Assert.DoesNotContain((await t.Chat.ReplayAsync(alice, head, 100, Token)).Events, e => e.Type == ChatEventTypes.NotificationDirect);
    }

    [Fact]
    public async Task History_pages_by_message_id_in_ascending_order()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "paging");
        List<long> ids = [];
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await t.Chat.PostMessageAsync(alice, room.Id, $"m{i}", i > 0 ? ids[0] : null, null, Token)).EventId);
        }

        var newest = await t.Chat.GetHistoryAsync(alice, room.Id, null, null, 3, Token);
        Assert.Equal(ids[4..], newest.Messages.Select(m => m.Id));
        Assert.True(newest.HasMore);
        var older = await t.Chat.GetHistoryAsync(alice, room.Id, ids[4], null, 3, Token);
        Assert.Equal(ids[1..4], older.Messages.Select(m => m.Id));
        Assert.True(older.HasMore);
        var oldest = await t.Chat.GetHistoryAsync(alice, room.Id, ids[1], null, 3, Token);
        Assert.Equal(ids[..1], oldest.Messages.Select(m => m.Id));
        Assert.False(oldest.HasMore);
        var forward = await t.Chat.GetHistoryAsync(alice, room.Id, null, ids[2], 10, Token);
        Assert.Equal(ids[3..], forward.Messages.Select(m => m.Id));
        Assert.False(forward.HasMore);
        Assert.Equal(ids[0], forward.Messages[0].ReplyTo);
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.GetHistoryAsync(alice, room.Id, null, null, 101, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.GetHistoryAsync(alice, room.Id, null, null, 0, Token)));
    }
}
