using ChatMesh.Chat.Events;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>
/// A held poll answers from the live events it heard only when they provably follow its cursor without a gap; on any
/// doubt it reads the log, and either way the client gets exactly what the log holds after its cursor.
/// </summary>
public sealed class LongPollerTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(5);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly StubLog _log = new();
    private readonly StubHub _hub = new();

    private LongPoller Poller(int maxEvents = 100)
    {
        var options = Options.Create(new LegacyOptions { CoalesceDelay = TimeSpan.Zero, MaxEventsPerResponse = maxEvents });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        return new LongPoller(_log, _hub, new PollMetrics(meters, new ChatMesh.Chat.Telemetry.DeliveryMetrics(meters, TimeProvider.System)), options, TimeProvider.System);
    }

    private static EventQueue Queue(long cursor, QueueFilter? filter = null) => new("q", "alice", filter ?? QueueFilter.All, cursor);

    /// <summary>Starts a held poll and returns once it has read the log (it is then subscribed and about to sleep).</summary>
    private async Task<Task<PollBatch>> HoldAsync(LongPoller poller, EventQueue queue)
    {
        var poll = poller.PollAsync(queue, Hold, CancellationToken.None, Cancel);
        await _log.FirstReplay.WaitAsync(Cancel);
        Assert.False(poll.IsCompleted);
        return poll;
    }

    [Fact]
    public async Task A_caught_up_poll_answers_from_the_live_events_without_reading_the_log_again()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        var poll = await HoldAsync(Poller(), Queue(10));

        var first = _log.Append(11);
        _hub.Dispatch(first);
        var batch = await poll;

        Assert.Equal(PollSource.Live, batch.Source);
        Assert.Equal([11L], batch.Events.Select(e => e.Id));
        Assert.Equal(first.Json.ToArray(), batch.Events[0].Json.ToArray());
        Assert.Equal(11, batch.LastEventId);
        Assert.False(batch.Heartbeat);
        Assert.Equal(1, _log.Replays);
    }

    [Fact]
    public async Task An_event_the_hub_skipped_after_the_cursor_sends_the_poll_to_the_log_which_has_it()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        var poll = await HoldAsync(Poller(), Queue(10));

        // 11 is committed but never reaches this instance (an unrepaired gap); 12 does.
        _log.Append(11);
        _hub.SkippedThrough = 11;
        _hub.Dispatch(_log.Append(12));
        var batch = await poll;

        Assert.Equal(PollSource.Replay, batch.Source);
        Assert.Equal([11L, 12], batch.Events.Select(e => e.Id));
        Assert.Equal(12, batch.LastEventId);
        Assert.Equal(2, _log.Replays);
    }

    [Fact]
    public async Task A_hub_ahead_of_the_log_is_not_trusted()
    {
        // The hub dispatched ids the log does not hold (say Redis lost its data): its live events prove nothing.
        _log.Head = 10;
        _hub.LastDispatchedId = 12;
        var poll = await HoldAsync(Poller(), Queue(10));

        _hub.Dispatch(_log.Append(13));
        var batch = await poll;

        Assert.Equal(PollSource.Replay, batch.Source);
        Assert.Equal([13L], batch.Events.Select(e => e.Id));
        Assert.Equal(2, _log.Replays);
    }

    [Fact]
    public async Task A_join_of_the_user_in_the_first_read_makes_the_poll_read_the_log()
    {
        _log.Head = 10;
        _log.Append(9, ChatEventTypes.MemberJoined, "lounge", """{"data":{"user":"alice"}}""");
        _hub.LastDispatchedId = 10;
        var messagesOnly = new QueueFilter(null, new HashSet<string> { ChatEventTypes.MessageCreated });
        var poll = await HoldAsync(Poller(), Queue(8, messagesOnly));

        _hub.Dispatch(_log.Append(11, room: "lounge"));
        var batch = await poll;

        Assert.Equal(PollSource.Replay, batch.Source);
        Assert.Equal([11L], batch.Events.Select(e => e.Id));
        Assert.Equal(2, _log.Replays);
    }

    [Fact]
    public async Task More_live_events_than_a_response_holds_send_the_poll_to_the_log()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        // A burst while the poll reads: three events for a poll that answers at most two.
        _log.DuringFirstReplay = () =>
        {
            _hub.Dispatch(_log.Append(11));
            _hub.Dispatch(_log.Append(12));
            _hub.Dispatch(_log.Append(13));
        };
        var poll = Poller(maxEvents: 2).PollAsync(Queue(10), Hold, CancellationToken.None, Cancel);

        var batch = await poll;

        Assert.Equal(PollSource.Replay, batch.Source);
        Assert.Equal([11L, 12], batch.Events.Select(e => e.Id));
        Assert.Equal(12, batch.LastEventId);
        Assert.Equal(2, _log.Replays);
    }

    [Fact]
    public async Task A_burst_heard_while_reading_is_answered_live_in_order_from_the_cursor()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        _log.DuringFirstReplay = () =>
        {
            _hub.Dispatch(_log.Append(11));
            _hub.Dispatch(_log.Append(12, ChatEventTypes.MessageEdited));
            _hub.Dispatch(_log.Append(13));
        };
        var messagesOnly = new QueueFilter(null, new HashSet<string> { ChatEventTypes.MessageCreated });

        var batch = await Poller().PollAsync(Queue(10, messagesOnly), Hold, CancellationToken.None, Cancel);

        Assert.Equal(PollSource.Live, batch.Source);
        Assert.Equal([11L, 13], batch.Events.Select(e => e.Id));
        Assert.Equal(13, batch.LastEventId);
        Assert.Equal(1, _log.Replays);
    }

    private static EventQueue CaughtUpQueue(long cursor, long head) =>
        Queue(cursor) with { Head = head, Pending = false, Rooms = ["general"] };

    [Fact]
    public async Task A_poll_the_start_script_found_caught_up_reads_no_replay_and_answers_live()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        var poll = Poller().PollAsync(CaughtUpQueue(10, head: 10), Hold, CancellationToken.None, Cancel);
        await _log.FirstHeadRead.WaitAsync(Cancel);
        Assert.False(poll.IsCompleted);

        _hub.Dispatch(_log.Append(11));
        var batch = await poll;

        Assert.Equal(PollSource.Live, batch.Source);
        Assert.Equal([11L], batch.Events.Select(e => e.Id));
        Assert.Equal(11, batch.LastEventId);
        Assert.Equal(0, _log.Replays);
        Assert.Equal(1, _log.HeadReads);
    }

    [Fact]
    public async Task An_event_committed_between_the_start_script_and_the_subscription_is_read_from_the_log()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        // 11 is committed and dispatched after the script read head 10 but before this poll subscribed: it never hears it.
        _log.BeforeFirstHeadRead = () => _hub.LastDispatchedId = _log.Append(11).Id;

        var batch = await Poller().PollAsync(CaughtUpQueue(10, head: 10), Hold, CancellationToken.None, Cancel);

        Assert.Equal(PollSource.Replay, batch.Source);
        Assert.Equal([11L], batch.Events.Select(e => e.Id));
        Assert.Equal(11, batch.LastEventId);
        Assert.Equal(1, _log.Replays);
    }

    [Fact]
    public async Task A_short_poll_with_nothing_pending_answers_the_head_without_a_replay()
    {
        _log.Head = 12;

        var batch = await Poller().PollAsync(CaughtUpQueue(8, head: 12), null, CancellationToken.None, Cancel);

        Assert.Empty(batch.Events);
        Assert.Equal(12, batch.LastEventId);
        Assert.False(batch.Heartbeat);
        Assert.False(batch.Reset);
        Assert.Equal(0, _log.Replays);
    }

    private LocalQueue Kept(EventQueue queue) => new(queue, capacity: 100);

    [Fact]
    public async Task A_re_poll_through_the_kept_subscription_neither_subscribes_again_nor_reads_the_log()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        var poller = Poller();
        var local = Kept(Queue(10));
        var first = poller.PollAsync(Queue(10), local, Hold, CancellationToken.None, Cancel);
        await _log.FirstReplay.WaitAsync(Cancel);
        _hub.Dispatch(_log.Append(11));
        var answered = await first;
        Assert.Equal(11, answered.LastEventId);

        // Between the answer and the re-poll, 12 passes: the kept subscription heard it, so the re-poll answers at once.
        _hub.Dispatch(_log.Append(12));
        var second = await poller.PollAsync(Queue(11), local, Hold, CancellationToken.None, Cancel);

        Assert.Equal(PollSource.Live, second.Source);
        Assert.Equal([12L], second.Events.Select(e => e.Id));
        Assert.Equal(12, second.LastEventId);
        Assert.Equal(1, _log.Replays);
        Assert.Equal(1, _hub.Subscriptions);

        // Caught up: the next re-poll sleeps on the same subscription until 13 comes.
        var third = poller.PollAsync(Queue(12), local, Hold, CancellationToken.None, Cancel);
        _hub.Dispatch(_log.Append(13));
        Assert.Equal([13L], (await third).Events.Select(e => e.Id));
        Assert.Equal(1, _log.Replays);
        Assert.Equal(1, _hub.Subscriptions);
    }

    [Fact]
    public async Task A_re_poll_from_an_older_cursor_after_a_lost_answer_gets_the_answered_events_again_from_the_log()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        var poller = Poller();
        var local = Kept(Queue(10));
        var first = poller.PollAsync(Queue(10), local, Hold, CancellationToken.None, Cancel);
        await _log.FirstReplay.WaitAsync(Cancel);
        _hub.Dispatch(_log.Append(11));
        Assert.Equal([11L], (await first).Events.Select(e => e.Id));
        var second = poller.PollAsync(Queue(11), local, Hold, CancellationToken.None, Cancel);
        _hub.Dispatch(_log.Append(12));
        Assert.Equal([12L], (await second).Events.Select(e => e.Id));

        // Caught up at 12, a short hold ends with a heartbeat: the subscription forgets what it heard up to 12.
        Assert.True((await poller.PollAsync(Queue(12), local, TimeSpan.FromMilliseconds(50), CancellationToken.None, Cancel)).Heartbeat);

        // The client never got the answer with 12 and polls from 11 again: the log has it.
        var again = await poller.PollAsync(Queue(11), local, Hold, CancellationToken.None, Cancel);

        Assert.Equal([12L], again.Events.Select(e => e.Id));
        Assert.Equal(PollSource.Replay, again.Source);
        Assert.Equal(2, _hub.Subscriptions);
    }

    [Fact]
    public async Task More_events_between_polls_than_an_answer_holds_send_the_re_poll_to_the_log()
    {
        _log.Head = 10;
        _hub.LastDispatchedId = 10;
        var poller = Poller(maxEvents: 2);
        var local = new LocalQueue(Queue(10), capacity: 2);
        var first = poller.PollAsync(Queue(10), local, Hold, CancellationToken.None, Cancel);
        await _log.FirstReplay.WaitAsync(Cancel);
        _hub.Dispatch(_log.Append(11));
        Assert.Equal(11, (await first).LastEventId);
        foreach (var id in new long[] { 12, 13, 14 })
        {
            _hub.Dispatch(_log.Append(id));
        }

        var second = await poller.PollAsync(Queue(11), local, Hold, CancellationToken.None, Cancel);

        Assert.Equal(PollSource.Replay, second.Source);
        Assert.Equal([12L, 13], second.Events.Select(e => e.Id));
        Assert.Equal(13, second.LastEventId);
    }
}
