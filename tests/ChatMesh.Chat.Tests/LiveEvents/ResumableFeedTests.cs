using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Infrastructure;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>The shared resume mechanism over a real Redis log, with a hub the test drives by hand.</summary>
public sealed class ResumableFeedTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    [Fact]
    public async Task Live_events_during_the_replay_are_held_then_released_without_duplicates()
    {
        var alice = t.User("alice");
        var room = (await t.PublicRoomAsync(alice, "held")).Id;
        var after = (await t.Chat.PostMessageAsync(alice, room, "seen", null, null, Token)).EventId;
        var missed = (await t.Chat.PostMessageAsync(alice, room, "missed", null, null, Token)).EventId;
        using var feed = new ResumableFeed(alice, capacity: 64);

        // While the feed subscribes, the hub delivers the event the replay also reads, plus a newer one.
        long newer = 0;
        var hub = new ManualHub(async () =>
        {
            newer = (await t.Chat.PostMessageAsync(alice, room, "newer", null, null, Token)).EventId;
            return [Live(missed, room), Live(newer, room), Live(missed, room)];
        });
        var result = await feed.SubscribeAsync(t.Chat, hub, after, batchSize: 1, beforeRelease: null, Token);
        feed.Complete();

        var ids = await Ids(feed);
        Assert.False(result.Reset);
        Assert.Equal([missed, newer], ids);
    }

    [Fact]
    public async Task A_room_joined_between_listing_and_subscribing_is_subscribed_too()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var late = (await t.PublicRoomAsync(bob, "late")).Id;
        using var feed = new ResumableFeed(alice, capacity: 64);
        var hub = new ManualHub(async () =>
        {
            await t.Chat.JoinRoomAsync(alice, late, Token);
            return [];
        });

        await feed.SubscribeAsync(t.Chat, hub, after: null, batchSize: 10, beforeRelease: null, Token);

        Assert.Equal(2, hub.Subscriptions.Count);
        Assert.Contains(late, hub.Subscriptions[^1]);
        Assert.True(hub.Disposed[0]);
        Assert.False(hub.Disposed[^1]);
    }

    [Fact]
    public async Task A_full_queue_overflows_once_and_ends_the_feed()
    {
        var overflows = 0;
        using var feed = new ResumableFeed(t.User("slow"), capacity: 2, onOverflow: () => overflows++);
        for (var id = 1; id <= 5; id++)
        {
            feed.OnEvent(Live(id, "r"));
        }

        Assert.True(feed.Overflowed);
        Assert.Equal(1, overflows);
        Assert.Equal([1L, 2L], await Ids(feed));
        Assert.False(feed.TrySendControl("late", new byte[] { 1 }));
    }

    [Fact]
    public async Task Items_refused_after_a_normal_completion_are_no_overflow()
    {
        var overflows = 0;
        using var feed = new ResumableFeed(t.User("done"), capacity: 4, onOverflow: () => overflows++);
        feed.Complete();

        Assert.False(feed.TrySendControl("heartbeat", new byte[] { 1 }));
        feed.OnEvent(Live(1, "r"));

        Assert.False(feed.Overflowed);
        Assert.Equal(0, overflows);
        Assert.Empty(await Ids(feed));
    }

    [Fact]
    public async Task Ids_already_sent_are_skipped_and_filters_apply_to_replay_and_live()
    {
        var alice = t.User("alice");
        var (kept, dropped) = ((await t.PublicRoomAsync(alice, "kept")).Id, (await t.PublicRoomAsync(alice, "dropped")).Id);
        var start = await t.Chat.GetHeadAsync(Token);
        var replayedKept = (await t.Chat.PostMessageAsync(alice, kept, "k", null, null, Token)).EventId;
        await t.Chat.PostMessageAsync(alice, dropped, "d", null, null, Token);
        using var feed = new ResumableFeed(alice, capacity: 64, filter: (_, room) => room is null || room == kept);

        var result = await feed.SubscribeAsync(t.Chat, new ManualHub(() => Task.FromResult<LiveEvent[]>([])), start, 100, null, Token);
        feed.OnEvent(Live(replayedKept, kept));
        feed.OnEvent(Live(result.Head + 1, dropped));
        feed.OnEvent(Live(result.Head + 2, kept));
        feed.OnEvent(new LiveEvent(0, "presence", kept, alice, "{}"u8.ToArray()));
        feed.Complete();

        var items = await Items(feed);
        Assert.Equal([replayedKept, result.Head + 2, 0], items.Select(item => item.Id));
        Assert.Equal(1, result.Replayed);
    }

    [Fact]
    public async Task Beyond_retention_the_subscription_reports_a_reset_and_goes_live()
    {
        var alice = t.User("alice");
        var room = (await t.PublicRoomAsync(alice, "trimmed")).Id;
        var old = (await t.Chat.PostMessageAsync(alice, room, "old", null, null, Token)).EventId;
        await t.Chat.PostMessageAsync(alice, room, "kept", null, null, Token);
        // What trimming the log past `old` does to the room's floor.
        await t.Db.HashSetAsync($"chat:room:{room}", "floor", old + 1);
        using var feed = new ResumableFeed(alice, capacity: 64);
        ResumeResult? announced = null;

        var result = await feed.SubscribeAsync(t.Chat, new ManualHub(() => Task.FromResult<LiveEvent[]>([Live(old + 100, room)])), old, 100,
            r => announced = r, Token);
        feed.Complete();

        Assert.True(result.Reset);
        Assert.Equal(result, announced);
        Assert.Equal([old + 100], await Ids(feed));
    }

    [Fact]
    public async Task A_cursor_from_the_future_leaves_the_feed_unsubscribed()
    {
        var alice = t.User("alice");
        using var feed = new ResumableFeed(alice, capacity: 8);
        var hub = new ManualHub(() => Task.FromResult<LiveEvent[]>([Live(1, "r")]));

        var refused = await Assert.ThrowsAsync<ChatException>(() => feed.SubscribeAsync(t.Chat, hub, long.MaxValue / 2, 10, null, Token));

        Assert.Equal(ChatError.CursorFromFuture, refused.Error);
        Assert.All(hub.Disposed, Assert.True);
        feed.Complete();
        Assert.Empty(await Ids(feed));
    }

    [Fact]
    public async Task Live_events_racing_the_release_of_a_hold_arrive_once_each_in_order()
    {
        var alice = t.User("racer");
        var head = await t.Chat.GetHeadAsync(Token);
        const int count = 20_000;
        using var feed = new ResumableFeed(alice, capacity: count);
        // The hub's dispatch thread keeps delivering while the feed replays (nothing) and releases its hold.
        var hub = new RacingHub(subscriber =>
        {
            for (var i = 1; i <= count; i++)
            {
                subscriber.OnEvent(Live(head + i, "r"));
            }
        });

        await feed.SubscribeAsync(t.Chat, hub, head, batchSize: 10, beforeRelease: null, Token);
        await hub.Delivering!.WaitAsync(TimeSpan.FromSeconds(30), Token);
        feed.Complete();

        Assert.False(feed.Overflowed);
        Assert.Equal(Enumerable.Range(1, count).Select(i => head + i), await Ids(feed));
    }

    [Fact]
    public async Task Cancelling_the_reader_ends_it_with_a_cancellation_and_is_no_overflow()
    {
        var overflows = 0;
        using var feed = new ResumableFeed(t.User("leaving"), capacity: 4, onOverflow: () => overflows++);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        feed.OnEvent(Live(1, "r"));
        List<long> read = [];

        var reading = Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in feed.ReadAllAsync(stop.Token))
            {
                read.Add(item.Id);
                await stop.CancelAsync();
            }
        });

        await reading.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal([1L], read);
        feed.OnEvent(Live(2, "r"));
        Assert.False(feed.Overflowed);
        Assert.Equal(0, overflows);
    }

    [Fact]
    public async Task A_waiting_reader_is_woken_by_each_event_whichever_thread_queues_it()
    {
        using var feed = new ResumableFeed(t.User("parked"), capacity: 8);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<long>();
        var reading = Task.Run(async () =>
        {
            await foreach (var item in feed.ReadAllAsync(Token))
            {
                seen.Enqueue(item.Id);
            }
        }, Token);

        // Each event reaches a reader that has drained the queue and parked: from a pool worker, from a thread of its
        // own (no local queue to use) and from the test's thread, each one read before the next is queued.
        Action<Action>[] threads =
        [
            queue => Task.Run(queue, Token).Wait(Token),
            queue => { var thread = new Thread(() => queue()); thread.Start(); thread.Join(); },
            queue => queue(),
        ];
        for (var id = 1; id <= 30; id++)
        {
            var current = id;
            threads[id % threads.Length](() => feed.OnEvent(Live(current, "r")));
            await Eventually.TrueAsync(() => seen.Count == current, $"event {current} is read");
        }

        feed.Complete();
        await reading.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(Enumerable.Range(1, 30).Select(id => (long)id), seen);
    }

    [Fact]
    public async Task A_reader_racing_a_writer_loses_no_wake_up_and_keeps_the_order()
    {
        const int count = 20_000;
        using var feed = new ResumableFeed(t.User("racing"), capacity: count);
        var read = new List<long>(count);
        var readCount = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var item in feed.ReadAllAsync(Token))
            {
                read.Add(item.Id);
                Volatile.Write(ref readCount, read.Count);
                if (item.Id % 97 == 0)
                {
                    // Park now and then, so writes land both while the reader drains and while it waits.
                    await Task.Yield();
                }
            }
        }, Token);

        var writing = Task.Run(() =>
        {
            for (var id = 1; id <= count; id++)
            {
                feed.OnEvent(Live(id, "r"));
                if (id % 101 == 0)
                {
                    Thread.Yield();
                }
            }
        }, Token);
        await writing.WaitAsync(TimeSpan.FromSeconds(30), Token);

        // Every event is read while the feed is still open: a lost wake-up would leave the rest queued.
        await Eventually.TrueAsync(() => Volatile.Read(ref readCount) == count, "every event is read");
        feed.Complete();
        await reading.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.False(feed.Overflowed);
        Assert.Equal(Enumerable.Range(1, count).Select(id => (long)id), read);
    }

    private static LiveEvent Live(long id, string room) => new(id, "message.created", room, null, "{}"u8.ToArray());

    /// <summary>A hub whose first subscription starts delivering on another thread, as the hub's dispatch does.</summary>
    private sealed class RacingHub(Action<ILiveSubscriber> deliver) : ILiveEventHub
    {
        public Task? Delivering { get; private set; }

        public long LastDispatchedId => 0;

        public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms)
        {
            Delivering ??= Task.Run(() => deliver(subscriber));
            return new Unsubscriber(() => { });
        }
    }

    private static async Task<List<FeedItem>> Items(ResumableFeed feed)
    {
        List<FeedItem> items = [];
        await foreach (var item in feed.ReadAllAsync(Token))
        {
            items.Add(item);
        }

        return items;
    }

    private static async Task<List<long>> Ids(ResumableFeed feed) => [.. (await Items(feed)).Select(item => item.Id)];

    /// <summary>A hub that records subscriptions and, on the first, runs the test's interleaving and delivers its events.</summary>
    private sealed class ManualHub(Func<Task<LiveEvent[]>> onFirstSubscribe) : ILiveEventHub
    {
        public List<HashSet<string>> Subscriptions { get; } = [];

        public List<bool> Disposed { get; } = [];

        public long LastDispatchedId => 0;

        public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms)
        {
            var index = Subscriptions.Count;
            Subscriptions.Add([.. rooms]);
            Disposed.Add(false);
            if (index == 0)
            {
                // Runs synchronously inside Subscribe, before the feed reads its rooms again and replays.
                foreach (var liveEvent in onFirstSubscribe().GetAwaiter().GetResult())
                {
                    subscriber.OnEvent(liveEvent);
                }
            }

            return new Unsubscriber(() => Disposed[index] = true);
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
