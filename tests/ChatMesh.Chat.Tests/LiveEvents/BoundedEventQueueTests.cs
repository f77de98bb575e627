using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Chat.Tests.LiveEvents;

public sealed class BoundedEventQueueTests
{
    private static readonly LiveEvent Event = new(1, "message.created", "room", null, "{}"u8.ToArray());

    [Fact]
    public async Task A_full_queue_reports_overflow_and_completes_after_what_it_holds()
    {
        var queue = new BoundedEventQueue(2);
        var subscriber = new QueueingLiveSubscriber("u", queue);

        subscriber.OnEvent(Event);
        subscriber.OnEvent(Event);
        Assert.False(queue.Overflowed);
        Assert.False(queue.TryEnqueue(Event));
        Assert.True(queue.Overflowed);
        Assert.False(queue.TryEnqueue(Event));

        var drained = 0;
        await foreach (var _ in queue.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            drained++;
        }
        Assert.Equal(2, drained);
    }

    [Fact]
    public void A_closed_queue_is_not_an_overflow()
    {
        var queue = new BoundedEventQueue(1);
        queue.Complete();

        Assert.False(queue.TryEnqueue(Event));
        Assert.False(queue.Overflowed);
        Assert.True(queue.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void Options_reject_a_queue_without_room()
    {
        var result = new LiveEventOptionsValidator().Validate(null, new LiveEventOptions { MaxQueuedEventsPerConnection = 0 });

        Assert.True(result.Failed);
    }
}
