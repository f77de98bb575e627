using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>The one timer behind every hold's timeout, driven by a manual clock: a wait ends on the first tick past its deadline.</summary>
public sealed class HoldClockTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static LiveEvent Room(long id) => new(id, "message.created", "general", null, "{}"u8.ToArray());

    /// <summary>A waiter armed at 0: the next event wakes it.</summary>
    private static PollWaiter Armed(string user = "alice")
    {
        var waiter = new PollWaiter(user, QueueFilter.All, 100);
        waiter.Arm(0);
        return waiter;
    }

    [Fact]
    public async Task A_hold_ends_with_a_timeout_on_the_first_tick_past_its_deadline_and_not_before()
    {
        var time = new ManualTime();
        using var clock = new HoldClock(time);
        var waiter = Armed();

        var wait = waiter.WaitAsync(TimeSpan.FromSeconds(30), clock, CancellationToken.None, Cancel);
        time.Advance(TimeSpan.FromSeconds(29.8));
        Assert.False(wait.IsCompleted);
        Assert.Equal(1, clock.Count);

        time.Advance(TimeSpan.FromSeconds(0.3));

        Assert.False(await wait.WaitAsync(Cancel));
        Assert.Equal(0, clock.Count);
    }

    [Fact]
    public async Task A_woken_hold_leaves_the_clock_and_its_entry_serves_the_next_hold()
    {
        var time = new ManualTime();
        using var clock = new HoldClock(time);
        var waiter = Armed();
        var first = waiter.WaitAsync(TimeSpan.FromSeconds(30), clock, CancellationToken.None, Cancel);

        waiter.OnEvent(Room(1));

        Assert.True(await first.WaitAsync(Cancel));
        Assert.Equal(0, clock.Count);

        // The next hold of the same queue, timed from now: the first hold's deadline does not end it.
        waiter.Arm(1);
        var second = waiter.WaitAsync(TimeSpan.FromSeconds(30), clock, CancellationToken.None, Cancel);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(await second.WaitAsync(Cancel));
    }

    [Fact]
    public async Task The_instance_stopping_ends_every_hold_without_a_wake_up_and_refuses_new_ones()
    {
        var time = new ManualTime();
        using var clock = new HoldClock(time);
        using var stopping = new CancellationTokenSource();
        var waiters = Enumerable.Range(0, 3).Select(_ => Armed()).ToList();
        var waits = waiters.Select(waiter => waiter.WaitAsync(TimeSpan.FromSeconds(30), clock, stopping.Token, Cancel)).ToList();

        await stopping.CancelAsync();

        Assert.All(await Task.WhenAll(waits).WaitAsync(Cancel), woken => Assert.False(woken));
        Assert.Equal(0, clock.Count);
        var late = Armed("bob");
        Assert.False(await late.WaitAsync(TimeSpan.FromSeconds(30), clock, stopping.Token, Cancel).WaitAsync(Cancel));
    }

    [Fact]
    public async Task A_request_aborted_ends_its_own_hold_only()
    {
        var time = new ManualTime();
        using var clock = new HoldClock(time);
        using var aborted = new CancellationTokenSource();
        var gone = Armed();
        var staying = Armed("bob");
        var goneWait = gone.WaitAsync(TimeSpan.FromSeconds(30), clock, CancellationToken.None, aborted.Token);
        var stayingWait = staying.WaitAsync(TimeSpan.FromSeconds(30), clock, CancellationToken.None, Cancel);

        await aborted.CancelAsync();

        Assert.False(await goneWait.WaitAsync(Cancel));
        Assert.False(stayingWait.IsCompleted);
        Assert.Equal(1, clock.Count);
        staying.OnEvent(Room(1));
        Assert.True(await stayingWait.WaitAsync(Cancel));
    }

    /// <summary>A clock moved by the test; its timers fire when it passes their due time.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly List<ManualTimer> _timers = [];
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp()
        {
            lock (_gate)
            {
                return _now;
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(this, callback, state);
            lock (_gate)
            {
                _timers.Add(timer);
            }

            timer.Change(dueTime, period);
            return timer;
        }

        /// <summary>Moves the clock one timer period at a time, firing what falls due on the way.</summary>
        public void Advance(TimeSpan by)
        {
            var end = GetTimestamp() + by.Ticks;
            while (true)
            {
                ManualTimer? next;
                lock (_gate)
                {
                    next = _timers.Where(timer => timer.Due <= end).MinBy(timer => timer.Due);
                    _now = next is null ? end : Math.Max(_now, next.Due);
                }

                if (next is null)
                {
                    return;
                }

                next.Fire();
            }
        }

        private void Forget(ManualTimer timer)
        {
            lock (_gate)
            {
                _timers.Remove(timer);
            }
        }

        private sealed class ManualTimer(ManualTime time, TimerCallback callback, object? state) : ITimer
        {
            private long _period;

            public long Due { get; private set; } = long.MaxValue;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : time.GetTimestamp() + dueTime.Ticks;
                _period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                return true;
            }

            public void Fire()
            {
                Due = _period > 0 ? Due + _period : long.MaxValue;
                callback(state);
            }

            public void Dispose() => time.Forget(this);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
