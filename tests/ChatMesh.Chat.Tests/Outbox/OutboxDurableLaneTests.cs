using System.Collections.Concurrent;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Outbox;

namespace ChatMesh.Chat.Tests.Outbox;

/// <summary>
/// The outbox leader's durable lane on its own: the live lane queues batches without waiting for their durable copy,
/// the copies go out in id order and batches queued meanwhile together, progress is recorded only after its copies are
/// confirmed, and a failure or a lost lease stops the lane and tells the live lane.
/// </summary>
public sealed class OutboxDurableLaneTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Batches_queue_while_a_durable_publish_waits_and_go_out_together_in_order_before_their_record()
    {
        var lane = new Lane(capacity: 8);
        await using var durable = lane.Start();

        Assert.True(await durable.TryEnqueueAsync(Batch(1, 2), Token));
        await lane.PublishStarted.Task.WaitAsync(Token);
        // The broker has not confirmed the first durable copy: the live lane still queues the next batches at once.
        Assert.True(await durable.TryEnqueueAsync(Batch(3, 4), Token));
        Assert.True(await durable.TryEnqueueAsync(Batch(5, 6), Token));
        Assert.Empty(lane.Records);

        lane.Confirm.SetResult();
        durable.Complete();
        Assert.True(await durable.Completion.WaitAsync(Token));

        Assert.Equal([1L, 2, 3, 4, 5, 6], lane.Published.SelectMany(chunk => chunk.Select(e => e.Id)));
        // Two rounds: the first batch alone, then the two that queued meanwhile in one bus message and one record.
        Assert.Equal(2, lane.Published.Count);
        Assert.Equal([(2L, 2), (6L, 4)], lane.Records);
    }

    [Fact]
    public async Task A_full_lane_holds_the_live_lane_until_a_round_takes_its_batches()
    {
        var lane = new Lane(capacity: 1);
        await using var durable = lane.Start();
        Assert.True(await durable.TryEnqueueAsync(Batch(1), Token));
        await lane.PublishStarted.Task.WaitAsync(Token);
        Assert.True(await durable.TryEnqueueAsync(Batch(2), Token));

        var third = durable.TryEnqueueAsync(Batch(3), Token).AsTask();
        Assert.False(third.IsCompleted, "the third batch waits: one is being published and one is queued");

        lane.Confirm.SetResult();
        Assert.True(await third.WaitAsync(Token));
        durable.Complete();
        Assert.True(await durable.Completion.WaitAsync(Token));
        Assert.Equal([1L, 2, 3], lane.Published.SelectMany(chunk => chunk.Select(e => e.Id)));
        Assert.Equal(3, lane.Records.Last().Newest);
    }

    [Fact]
    public async Task A_round_takes_whole_batches_up_to_its_event_limit()
    {
        var lane = new Lane(capacity: 8, maxEvents: 4);
        await using var durable = lane.Start();
        Assert.True(await durable.TryEnqueueAsync(Batch(1), Token));
        await lane.PublishStarted.Task.WaitAsync(Token);
        Assert.True(await durable.TryEnqueueAsync(Batch(2, 3, 4), Token));
        Assert.True(await durable.TryEnqueueAsync(Batch(5, 6), Token));

        lane.Confirm.SetResult();
        durable.Complete();
        Assert.True(await durable.Completion.WaitAsync(Token));

        // 3 + 2 events exceed 4: the second batch waits for the next round; no round ends inside a batch.
        Assert.Equal([(1L, 1), (4L, 3), (6L, 2)], lane.Records);
    }

    [Fact]
    public async Task A_failed_durable_publish_stops_the_lane_records_nothing_after_it_and_refuses_more_batches()
    {
        var lane = new Lane(capacity: 1);
        await using var durable = lane.Start();
        Assert.True(await durable.TryEnqueueAsync(Batch(1), Token));
        await lane.PublishStarted.Task.WaitAsync(Token);
        Assert.True(await durable.TryEnqueueAsync(Batch(2), Token));
        var waiting = durable.TryEnqueueAsync(Batch(3), Token).AsTask();

        lane.Confirm.SetException(new TimeoutException("broker gone"));

        // The live lane waiting for room learns that the lane stopped, and why.
        Assert.False(await waiting.WaitAsync(Token));
        await Assert.ThrowsAsync<TimeoutException>(() => durable.Completion.WaitAsync(Token));
        Assert.Empty(lane.Records);
        Assert.False(await durable.TryEnqueueAsync(Batch(4), Token));
    }

    [Fact]
    public async Task A_record_that_finds_the_lease_taken_ends_the_lane_with_false()
    {
        var lane = new Lane(capacity: 4) { LeaseHeld = false };
        lane.Confirm.SetResult();
        await using var durable = lane.Start();

        Assert.True(await durable.TryEnqueueAsync(Batch(1), Token));

        Assert.False(await durable.Completion.WaitAsync(Token));
        Assert.False(await durable.TryEnqueueAsync(Batch(2), Token));
    }

    private static List<ChatEventPublished> Batch(params long[] ids) =>
        [.. ids.Select(id => new ChatEventPublished(id, "message.created", "room-a", null, "{}"u8.ToArray()))];

    /// <summary>A broker whose first durable confirm waits for the test, and a lease store that records what is recorded.</summary>
    private sealed class Lane(int capacity, int maxEvents = 256)
    {
        public TaskCompletionSource PublishStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Confirm { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<ChatEventPublished[]> Published { get; } = new();

        public ConcurrentQueue<(long Newest, int Count)> Records { get; } = new();

        public bool LeaseHeld { get; init; } = true;

        public OutboxDurableLane Start() => new(capacity, maxEvents, 1024 * 1024, PublishAsync, RecordAsync, Token);

        private async Task PublishAsync(ChatEventPublished[] chunk, CancellationToken cancellationToken)
        {
            PublishStarted.TrySetResult();
            await Confirm.Task.WaitAsync(cancellationToken);
            Published.Enqueue(chunk);
        }

        private Task<bool> RecordAsync(long newest, int count)
        {
            if (LeaseHeld)
            {
                Records.Enqueue((newest, count));
            }
            return Task.FromResult(LeaseHeld);
        }
    }
}
