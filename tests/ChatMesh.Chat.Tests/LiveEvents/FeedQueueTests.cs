using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>The feed's queue on its own: the bound, the order across segments, storage given back, writers racing a close.</summary>
public sealed class FeedQueueTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void A_write_at_the_bound_is_refused_and_fits_again_once_the_reader_took_one()
    {
        var queue = new FeedQueue(3);
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(1), limit: 3));
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(2), limit: 3));
        // A lower limit (the events' capacity, below the control reserve) stops events first; the bound still takes more.
        Assert.Equal(EnqueueResult.Full, queue.TryEnqueue(Item(3), limit: 2));
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(3), limit: 3));
        Assert.Equal(EnqueueResult.Full, queue.TryEnqueue(Item(4), limit: 3));
        // A limit above the bound is held to the bound.
        Assert.Equal(EnqueueResult.Full, queue.TryEnqueue(Item(4), limit: 100));
        Assert.Equal(3, queue.Count);

        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal(1, first.Id);
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(4), limit: 3));
        Assert.Equal([2L, 3L, 4L], Drain(queue));
    }

    [Fact]
    public void A_backlog_is_read_in_order_across_segments_and_its_storage_is_given_back_once_drained()
    {
        const int backlog = 1_000;
        var queue = new FeedQueue(backlog);
        for (var id = 1; id <= backlog; id++)
        {
            Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(id), backlog));
        }

        Assert.True(queue.SlotsHeld >= backlog);
        Assert.Equal(EnqueueResult.Full, queue.TryEnqueue(Item(backlog + 1), backlog));

        // Half read, then more written behind the rest: still one order.
        var read = new List<long>();
        for (var i = 0; i < backlog / 2; i++)
        {
            Assert.True(queue.TryDequeue(out var item));
            read.Add(item.Id);
        }

        for (var id = backlog + 1; id <= backlog + backlog / 2; id++)
        {
            Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(id), backlog));
        }

        read.AddRange(Drain(queue));
        Assert.Equal(Enumerable.Range(1, backlog + backlog / 2).Select(id => (long)id), read);
        Assert.Equal(FeedQueue.FirstSegment, queue.SlotsHeld);

        // And it works again from its first segment.
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(5_000), backlog));
        Assert.Equal([5_000L], Drain(queue));
        Assert.Equal(FeedQueue.FirstSegment, queue.SlotsHeld);
    }

    [Fact]
    public void A_queue_that_empties_between_writes_never_grows()
    {
        var queue = new FeedQueue(1_024);
        for (var id = 1; id <= 10 * FeedQueue.FirstSegment; id++)
        {
            Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Item(id), 1_024));
            if (id % 3 == 0)
            {
                // Three at a time, then read out: never more than the first segment holds.
                Assert.Equal([id - 2L, id - 1L, id], Drain(queue));
            }
        }

        Assert.Equal(FeedQueue.FirstSegment, queue.SlotsHeld);
    }

    [Fact]
    public void The_reader_frees_what_it_took()
    {
        var queue = new FeedQueue(64);
        var weak = QueueUnreachablePayload(queue);
        TakeOne(queue);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(weak.TryGetTarget(out _));
    }

    [Fact]
    public async Task Writers_racing_a_close_and_the_reader_lose_nothing_that_was_queued_and_queue_nothing_after_it()
    {
        const int writers = 4, perWriter = 20_000;
        var queue = new FeedQueue(256);
        var queued = new long[writers];
        using var start = new Barrier(writers + 1);
        var writing = Enumerable.Range(0, writers).Select(writer => Task.Run(() =>
        {
            start.SignalAndWait(Token);
            for (var n = 1; n <= perWriter; n++)
            {
                var item = Item(writer * 1_000_000L + n);
                EnqueueResult result;
                while ((result = queue.TryEnqueue(item, 256)) == EnqueueResult.Full)
                {
                    Thread.Yield();
                }

                if (result == EnqueueResult.Closed)
                {
                    return;
                }

                queued[writer] = n;
            }
        }, Token)).ToArray();

        var read = new List<long>();
        var reading = Task.Run(() =>
        {
            start.SignalAndWait(Token);
            while (true)
            {
                if (queue.TryDequeue(out var item))
                {
                    read.Add(item.Id);
                    if (read.Count == writers * perWriter / 2)
                    {
                        queue.Close();
                    }
                }
                else if (queue.IsClosed && queue.Count == 0)
                {
                    return;
                }
            }
        }, Token);

        await Task.WhenAll(writing).WaitAsync(TimeSpan.FromSeconds(60), Token);
        await reading.WaitAsync(TimeSpan.FromSeconds(60), Token);

        // Each writer's items arrive in its order, every one it saw queued (and only those) is read once.
        for (var writer = 0; writer < writers; writer++)
        {
            var mine = read.Where(id => id / 1_000_000 == writer).Select(id => id % 1_000_000).ToList();
            Assert.Equal(Enumerable.Range(1, (int)queued[writer]).Select(n => (long)n), mine);
        }

        Assert.True(read.Count >= writers * perWriter / 2);
        Assert.True(read.Count < writers * perWriter, "the close stopped the writers before they were done");
        Assert.Equal(EnqueueResult.Closed, queue.TryEnqueue(Item(1), 256));
    }

    [Fact]
    public async Task A_feed_disposed_while_events_arrive_ends_its_reader_with_what_was_queued_in_order_and_no_overflow()
    {
        var overflows = 0;
        var feed = new ResumableFeed("disposed", capacity: 100_000, onOverflow: () => Interlocked.Increment(ref overflows));
        var read = new List<long>();
        var reading = Task.Run(async () =>
        {
            await foreach (var item in feed.ReadAllAsync(Token))
            {
                read.Add(item.Id);
            }
        }, Token);

        var writing = Task.Run(() =>
        {
            for (var id = 1; id <= 50_000; id++)
            {
                feed.OnEvent(new LiveEvent(id, "message.created", "r", null, "{}"u8.ToArray()));
            }
        }, Token);
        while (feed.Taken < 1_000)
        {
            await Task.Delay(1, Token);
        }

        feed.Dispose();
        await writing.WaitAsync(TimeSpan.FromSeconds(30), Token);
        await reading.WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.Equal(0, overflows);
        Assert.False(feed.Overflowed);
        Assert.True(read.Count >= 1_000);
        Assert.Equal(Enumerable.Range(1, read.Count).Select(id => (long)id), read);
        Assert.False(feed.HasQueued);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference<byte[]> QueueUnreachablePayload(FeedQueue queue)
    {
        var payload = new byte[1_000];
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(new FeedItem(1, "message.created", "r", payload, IsControl: false), 64));
        return new WeakReference<byte[]>(payload);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void TakeOne(FeedQueue queue) => Assert.True(queue.TryDequeue(out _));

    private static FeedItem Item(long id) => new(id, "message.created", "r", "{}"u8.ToArray(), IsControl: false);

    private static List<long> Drain(FeedQueue queue)
    {
        List<long> ids = [];
        while (queue.TryDequeue(out var item))
        {
            ids.Add(item.Id);
        }

        return ids;
    }
}
