using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

public sealed class PollWaiterTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private static LiveEvent Room(long id, string room, string type = "message.created") => new(id, type, room, null, "{}"u8.ToArray());

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly HoldClock Clock = new(TimeProvider.System);

    [Fact]
    public async Task An_event_after_the_position_wakes_the_wait()
    {
        var waiter = new PollWaiter("alice", QueueFilter.All, 100);
        waiter.Arm(10);
        var wait = waiter.WaitAsync(Long, Clock, CancellationToken.None, Cancel);

        waiter.OnEvent(Room(11, "general"));

        Assert.True(await wait);
    }

    [Fact]
    public async Task An_event_that_arrived_between_the_read_and_the_arm_is_not_lost()
    {
        var waiter = new PollWaiter("alice", QueueFilter.All, 100);
        waiter.OnEvent(Room(12, "general"));

        waiter.Arm(11);

        Assert.True(await waiter.WaitAsync(Long, Clock, CancellationToken.None, Cancel));
    }

    [Fact]
    public async Task Events_already_read_do_not_wake_a_re_armed_wait()
    {
        var waiter = new PollWaiter("alice", QueueFilter.All, 100);
        waiter.OnEvent(Room(12, "general"));
        waiter.Arm(12);

        Assert.False(await waiter.WaitAsync(TimeSpan.FromMilliseconds(1), Clock, CancellationToken.None, Cancel));
    }

    [Fact]
    public async Task Filtered_out_events_and_ephemeral_signals_neither_wake_nor_are_kept()
    {
        var filter = new QueueFilter(new HashSet<string> { "wanted" }, new HashSet<string> { "message.created" });
        var waiter = new PollWaiter("alice", filter, 100);
        waiter.Arm(0);

        waiter.OnEvent(Room(1, "other"));
        waiter.OnEvent(Room(2, "wanted", "message.edited"));
        waiter.OnEvent(new LiveEvent(0, "typing", "wanted", "bob", "{}"u8.ToArray()));
        Assert.False(await waiter.WaitAsync(TimeSpan.FromMilliseconds(1), Clock, CancellationToken.None, Cancel));
        Assert.True(waiter.TryTakeAfter(0, 10, out var none));
        Assert.Empty(none);

        waiter.OnEvent(Room(3, "wanted"));
        Assert.True(await waiter.WaitAsync(Long, Clock, CancellationToken.None, Cancel));
        Assert.True(waiter.TryTakeAfter(0, 10, out var kept));
        Assert.Equal([3L], kept.Select(heard => heard.Event.Id));
    }

    [Fact]
    public async Task An_event_at_or_before_the_position_arriving_late_neither_wakes_nor_is_answered_again()
    {
        var waiter = new PollWaiter("alice", QueueFilter.All, 100);
        waiter.Arm(11);

        waiter.OnEvent(Room(11, "general"));

        Assert.False(await waiter.WaitAsync(TimeSpan.FromMilliseconds(1), Clock, CancellationToken.None, Cancel));
        Assert.True(waiter.TryTakeAfter(11, 10, out var heard));
        Assert.Empty(heard);
    }

    [Fact]
    public void Events_beyond_the_capacity_mark_the_waiter_overflowed_and_the_kept_ones_stay_in_order()
    {
        var waiter = new PollWaiter("alice", QueueFilter.All, 2);
        waiter.Arm(0);

        waiter.OnEvent(Room(1, "general"));
        waiter.OnEvent(Room(2, "general"));
        waiter.OnEvent(Room(3, "general"));

        Assert.False(waiter.TryTakeAfter(0, 10, out var kept));
        Assert.Equal([1L, 2], kept.Select(heard => heard.Event.Id));
    }

    [Fact]
    public async Task Release_ends_the_wait_without_a_wake_up()
    {
        var waiter = new PollWaiter("alice", QueueFilter.All, 100);
        waiter.Arm(0);
        using var release = new CancellationTokenSource();
        var wait = waiter.WaitAsync(Long, Clock, release.Token, Cancel);

        await release.CancelAsync();

        Assert.False(await wait);
    }

    [Fact]
    public void Personal_events_pass_the_room_filter()
    {
        var filter = new QueueFilter(new HashSet<string> { "wanted" }, null);

        Assert.True(filter.Matches(new LiveEvent(5, "read.updated", null, "alice", "{}"u8.ToArray())));
        Assert.False(filter.Matches(Room(6, "other")));
        Assert.True(filter.Matches(Room(7, "wanted")));
    }
}
