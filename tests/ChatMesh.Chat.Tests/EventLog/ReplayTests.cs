using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.EventLog;

public sealed class ReplayTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    [Fact]
    public async Task Replay_after_a_middle_id_returns_exactly_what_followed_in_id_order()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var one = await t.PublicRoomAsync(alice, "one");
        var two = await t.PublicRoomAsync(bob, "two");
        await t.Chat.JoinRoomAsync(bob, one.Id, Token);
        await t.Chat.JoinRoomAsync(alice, two.Id, Token);

        List<long> expected = [];
        long middle = 0;
        for (var i = 0; i < 6; i++)
        {
            var room = i % 2 == 0 ? one.Id : two.Id;
            var posted = await t.Chat.PostMessageAsync(bob, room, i == 4 ? $"ping @{alice}" : $"m{i}", null, null, Token);
            if (i == 2)
            {
                middle = posted.EventId;
            }
            else if (i > 2)
            {
                expected.Add(posted.EventId);
            }
        }

        var read = await t.Chat.MarkReadAsync(alice, one.Id, middle, Token);
        var all = await t.Chat.ReplayAsync(alice, middle, 1000, Token);
        var personal = all.Events.Where(e => e.User == alice).Select(e => e.Type).ToList();

        Assert.Equal([ChatEventTypes.NotificationMention, ChatEventTypes.ReadUpdated], personal);
        Assert.Contains(read.EventId, all.Events.Select(e => e.Id));
        Assert.Equal(expected, all.Events.Where(e => e.Type == ChatEventTypes.MessageCreated).Select(e => e.Id));
        Assert.Equal(all.Events.Select(e => e.Id).Order(), all.Events.Select(e => e.Id));
        Assert.Equal(all.Events.Count, all.Events.Select(e => e.Id).Distinct().Count());
        Assert.All(all.Events, e => Assert.True(e.Id > middle));
        Assert.False(all.Reset);
        Assert.False(all.More);
        Assert.True(all.Head >= read.EventId);

        // Resuming page by page from the start gives the same stream, each event once.
        List<long> paged = [];
        var cursor = middle;
        Replay page;
        do
        {
            page = await t.Chat.ReplayAsync(alice, cursor, 2, Token);
            Assert.True(page.Events.Count <= 2);
            paged.AddRange(page.Events.Select(e => e.Id));
            cursor = page.Events.Count > 0 ? page.Events[^1].Id : cursor;
        }
        while (page.More);

        Assert.Equal(all.Events.Select(e => e.Id), paged);
    }

    [Fact]
    public async Task A_room_joined_later_is_not_replayed_from_before_the_join()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.PublicRoomAsync(alice, "later");
        var before = await t.Chat.PostMessageAsync(alice, room.Id, "before bob", null, null, Token);
        var start = before.EventId - 1;
        var joined = await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        var after = await t.Chat.PostMessageAsync(alice, room.Id, "after bob", null, null, Token);

        var replay = await t.Chat.ReplayAsync(bob, start, 100, Token);

        Assert.DoesNotContain(before.EventId, replay.Events.Select(e => e.Id));
        Assert.Contains(joined.EventId, replay.Events.Select(e => e.Id));
        Assert.Contains(after.EventId, replay.Events.Select(e => e.Id));
        // The personal copy of the join tells bob's other connections about the new room.
        Assert.Contains(replay.Events, e => e.Type == ChatEventTypes.MemberJoined && e.User == bob);
    }

    [Fact]
    public async Task A_left_room_is_replayed_up_to_and_including_the_leave()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.PublicRoomAsync(alice, "left");
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        var start = await t.Chat.GetHeadAsync(Token);
        var seen = await t.Chat.PostMessageAsync(alice, room.Id, "bob sees this", null, null, Token);
        var left = await t.Chat.LeaveRoomAsync(bob, room.Id, Token);
        var unseen = await t.Chat.PostMessageAsync(alice, room.Id, "bob is gone", null, null, Token);
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        var back = await t.Chat.PostMessageAsync(alice, room.Id, "bob is back", null, null, Token);

        var replay = await t.Chat.ReplayAsync(bob, start, 100, Token);
        var ids = replay.Events.Where(e => e.Room == room.Id).Select(e => e.Id).ToList();

        Assert.Contains(seen.EventId, ids);
        Assert.Contains(left.EventId, ids);
        Assert.DoesNotContain(unseen.EventId, ids);
        Assert.Contains(back.EventId, ids);
        Assert.Contains(replay.Events, e => e.Type == ChatEventTypes.MemberLeft && e.User == bob);
    }

    [Fact]
    public async Task A_limit_cuts_the_batch_and_says_there_is_more()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "limit");
        var start = await t.Chat.GetHeadAsync(Token);
        for (var i = 0; i < 5; i++)
        {
            await t.Chat.PostMessageAsync(alice, room.Id, $"m{i}", null, null, Token);
        }

        var replay = await t.Chat.ReplayAsync(alice, start, 3, Token);
        Assert.Equal(3, replay.Events.Count);
        Assert.True(replay.More);
        var rest = await t.Chat.ReplayAsync(alice, replay.Events[^1].Id, 3, Token);
        Assert.Equal(2, rest.Events.Count);
        Assert.False(rest.More);
    }

    [Fact]
    public async Task A_cursor_from_the_future_is_refused()
    {
        var alice = t.User("alice");
        var head = await t.Chat.GetHeadAsync(Token);
        var error = await Assert.ThrowsAsync<ChatException>(() => t.Chat.ReplayAsync(alice, head + 1_000_000, 10, Token));
        Assert.Equal(ChatError.CursorFromFuture, error.Error);
        Assert.Equal("cursor_from_future", error.Code);
    }

    [Fact]
    public async Task Replay_from_beyond_retention_says_reset()
    {
        var small = new ChatTestContext(redis, new ChatOptions { Retention = { MaxEventsPerRoom = 5, MaxEventsPerUser = 5 } });
        var alice = small.User("alice");
        var room = await small.PublicRoomAsync(alice, "short");
        var start = await small.Chat.GetHeadAsync(Token);
        List<long> ids = [];
        for (var i = 0; i < 8; i++)
        {
            ids.Add((await small.Chat.PostMessageAsync(alice, room.Id, $"m{i}", null, null, Token)).EventId);
        }

        Assert.Equal(5, await small.Db.StreamLengthAsync($"chat:room:{room.Id}:log"));
        var fromStart = await small.Chat.ReplayAsync(alice, start, 100, Token);
        Assert.True(fromStart.Reset);
        Assert.Equal(ids[3..], fromStart.Events.Select(e => e.Id));

        var recent = await small.Chat.ReplayAsync(alice, ids[3], 100, Token);
        Assert.False(recent.Reset);
        Assert.Equal(ids[4..], recent.Events.Select(e => e.Id));
        // History keeps as many messages as the log keeps events.
        Assert.Equal(ids[3..], (await small.Chat.GetHistoryAsync(alice, room.Id, null, null, 100, Token)).Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task Personal_stream_retention_also_says_reset()
    {
        var small = new ChatTestContext(redis, new ChatOptions { Retention = { MaxEventsPerRoom = 100, MaxEventsPerUser = 2 } });
        var (alice, bob) = (small.User("alice"), small.User("bob"));
        var room = await small.PublicRoomAsync(alice, "pings");
        await small.Chat.JoinRoomAsync(bob, room.Id, Token);
        var start = await small.Chat.GetHeadAsync(Token);
        for (var i = 0; i < 4; i++)
        {
            await small.Chat.PostMessageAsync(alice, room.Id, $"@{bob} {i}", null, null, Token);
        }

        Assert.True((await small.Chat.ReplayAsync(bob, start, 100, Token)).Reset);
    }

    [Fact]
    public async Task Paging_replays_while_others_write_sees_every_event_once()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var one = await t.PublicRoomAsync(alice, "race-one");
        var two = await t.PublicRoomAsync(alice, "race-two");
        var three = await t.PublicRoomAsync(alice, "race-three");
        await t.Chat.JoinRoomAsync(bob, one.Id, Token);
        await t.Chat.JoinRoomAsync(bob, two.Id, Token);
        var start = await t.Chat.GetHeadAsync(Token);

        var writers = Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                var room = (i % 3) switch { 0 => one.Id, 1 => two.Id, _ => three.Id };
                await t.Chat.PostMessageAsync(alice, room, $"w{w} m{i} @{bob}", null, null, Token);
                if (w == 0 && i == 10)
                {
                    await t.Chat.JoinRoomAsync(bob, three.Id, Token);
                }
                else if (w == 1 && i == 15)
                {
                    await t.Chat.LeaveRoomAsync(bob, one.Id, Token);
                }
            }
        }, Token)));

        List<long> seen = [];
        var cursor = start;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "replay did not catch up");
            var done = writers.IsCompleted;
            var page = await t.Chat.ReplayAsync(bob, cursor, 7, Token);
            seen.AddRange(page.Events.Select(e => e.Id));
            cursor = page.Events.Count > 0 ? page.Events[^1].Id : cursor;
            if (done && !page.More)
            {
                break;
            }
        }

        await writers;
        var reference = await t.Chat.ReplayAsync(bob, start, 1000, Token);
        Assert.False(reference.More);
        Assert.Equal(reference.Events.Select(e => e.Id), seen);
        Assert.Contains(reference.Events, e => e.Room == three.Id && e.Type == ChatEventTypes.MessageCreated);
        Assert.Contains(reference.Events, e => e.Type == ChatEventTypes.NotificationMention);
    }
}
