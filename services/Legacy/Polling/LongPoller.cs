using System.Diagnostics;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// Answers a poll. A held poll subscribes to this instance's live fan-out <em>before</em> its first read of the log, then
/// sleeps (no thread, no Redis polling) until a matching event passes, waits <see cref="LegacyOptions.CoalesceDelay"/>
/// for the rest of a burst, and answers. When the poll is caught up — the live events it heard provably follow its
/// cursor without a gap (<see cref="LiveAnswer"/>) — it answers from them in memory, the same bytes every channel sends;
/// on any doubt it reads the log's replay after the cursor instead. Either way: no gap, no duplicate.
/// </summary>
public sealed class LongPoller(IChatService chat, ILiveEventHub hub, PollMetrics metrics, IOptions<LegacyOptions> options, TimeProvider time)
{
    // Replay pages scanned per read when a filter drops everything; the cursor still advances past them.
    private const int MaxScansPerRead = 10;

    private readonly CoalesceClock _coalesce = new(time);

    // Every hold's timeout on one timer (and one watch of the instance stopping), not a timer per hold.
    private readonly HoldClock _holds = new(time);

    /// <summary>
    /// Answers at once when events are pending or <paramref name="hold"/> is null; otherwise holds up to it. A held poll
    /// ends early with a heartbeat when <paramref name="release"/> fires (the instance is stopping: the client re-polls
    /// another one). The queue's cursor must not be after a log head read before this call (the endpoint checks it):
    /// the user's joins and leaves since then are then within the first read, which <see cref="LiveAnswer"/> relies on.
    /// </summary>
    public Task<PollBatch> PollAsync(EventQueue queue, TimeSpan? hold, CancellationToken release, CancellationToken cancellationToken) =>
        PollAsync(queue, null, hold, release, cancellationToken);

    /// <summary>
    /// As above; a held poll listens through <paramref name="local"/>, the queue's subscription kept by this instance
    /// between polls (<see cref="LocalQueues"/>): when it has heard everything after the cursor, the poll starts from what
    /// it heard without subscribing or reading the log. Null: a subscription for this poll only.
    /// </summary>
    internal Task<PollBatch> PollAsync(
        EventQueue queue, LocalQueue? local, TimeSpan? hold, CancellationToken release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return hold is { } wait ? HoldAsync(queue, local, wait, release, cancellationToken) : AnswerAsync(queue, cancellationToken);
    }

    private async Task<PollBatch> AnswerAsync(EventQueue queue, CancellationToken cancellationToken)
    {
        var batch = queue.Pending ? (await ReadAsync(queue, queue.Cursor, cancellationToken)).Batch : CaughtUp(queue).Batch;
        metrics.Answered(batch);
        return batch;
    }

    /// <summary>
    /// A held poll, start to answer, in one async method: each awaiting frame is a state machine kept for the whole hold
    /// (what a held poll retains is what the GC pays for at 10,000 polls), so the setup, the wait loop and the clean-up
    /// are not split into methods awaiting one another.
    /// </summary>
    private async Task<PollBatch> HoldAsync(
        EventQueue queue, LocalQueue? kept, TimeSpan wait, CancellationToken release, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var settings = options.Value;
        var local = kept ?? new LocalQueue(queue, settings.MaxEventsPerResponse);
        var holding = false;
        try
        {
            PollBatch batch;
            bool live;
            if (local.Follows(queue.Cursor, hub.SkippedThrough))
            {
                // Caught up by what the kept subscription heard: no subscription, no log read.
                batch = new PollBatch([], queue.Cursor, Heartbeat: false, Reset: false, queue.Cursor) { Source = PollSource.Live };
                live = true;
            }
            else
            {
                var rooms = queue.Rooms ?? [.. (await chat.ListMyRoomsAsync(queue.User, cancellationToken)).Select(static room => room.Room.Id)];
                var dispatched = local.Subscribe(hub, rooms);
                var read = await FirstReadAsync(queue, cancellationToken);
                live = LiveAnswer.Trusts(dispatched, read);
                // Every event after the head it read reaches the subscription from now on.
                local.TrustedFrom = live ? read.Batch.LastEventId : long.MaxValue;
                batch = read.Batch;
            }

            metrics.HoldStarted();
            holding = true;
            var waiter = local.Waiter;
            // Events heard before this poll came (since the previous answer) are answered at once, without coalescing.
            var heardBefore = live;
            while (batch.Events.Count == 0 && !batch.Reset)
            {
                var position = batch.LastEventId;
                if (heardBefore)
                {
                    heardBefore = false;
                    if (LiveAnswer.TryAnswer(waiter, hub.SkippedThrough, position, settings.MaxEventsPerResponse) is { } pending)
                    {
                        batch = pending;
                        continue;
                    }
                }

                waiter.Arm(position);
                var remaining = wait - time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero || release.IsCancellationRequested || cancellationToken.IsCancellationRequested
                    || !await waiter.WaitAsync(remaining, _holds, release, cancellationToken))
                {
                    batch = batch with { Heartbeat = true };
                    break;
                }

                await _coalesce.WaitAsync(settings.CoalesceDelay);
                if (live && LiveAnswer.TryAnswer(waiter, hub.SkippedThrough, position, settings.MaxEventsPerResponse) is { } heard)
                {
                    batch = heard;
                    continue;
                }

                // A gap, an overflow or a doubtful start: the log decides, and the rest of this hold keeps reading it; the
                // next poll subscribes afresh.
                live = false;
                local.TrustedFrom = long.MaxValue;
                var trace = waiter.WokenBy(position);
                batch = (await ReadAsync(queue, position, cancellationToken)).Batch with { Trace = trace };
            }

            metrics.Answered(batch);
            return batch;
        }
        finally
        {
            if (holding)
            {
                metrics.HoldEnded();
            }

            if (kept is null)
            {
                local.Dispose();
            }
        }
    }

    /// <summary>
    /// A held poll's first read, after it subscribed. When the script that started the poll proved nothing pending up to
    /// its head, and the head has not moved since (so nothing was committed, hence nothing dispatched, before the
    /// subscription), that proof stands for the read: one GET instead of the replay's two pipelined round trips.
    /// </summary>
    private async Task<LogRead> FirstReadAsync(EventQueue queue, CancellationToken cancellationToken) =>
        !queue.Pending && await chat.GetHeadAsync(cancellationToken) == queue.Head
            ? CaughtUp(queue)
            : await ReadAsync(queue, queue.Cursor, cancellationToken);

    /// <summary>The read the log would give a poll with nothing pending: no events, complete, the cursor moved to the head.</summary>
    private static LogRead CaughtUp(EventQueue queue) =>
        new(new PollBatch([], queue.Head, Heartbeat: false, Reset: false, queue.Head) { Source = PollSource.Replay }, Complete: true, MembershipChanged: false);

    /// <summary>The queue's events after <paramref name="after"/>, filtered, at most <see cref="LegacyOptions.MaxEventsPerResponse"/>.</summary>
    private async Task<LogRead> ReadAsync(EventQueue queue, long after, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxEventsPerResponse;
        List<StoredEvent> events = [];
        var position = after;
        var reset = false;
        var head = after;
        var complete = false;
        var membershipChanged = false;
        for (var scan = 0; scan < MaxScansPerRead; scan++)
        {
            var replay = await chat.ReplayAsync(queue.User, position, limit, cancellationToken);
            reset |= replay.Reset;
            head = replay.Head;
            foreach (var stored in replay.Events)
            {
                membershipChanged |= LiveAnswer.ChangesMembership(stored, queue.User);
                if (queue.Filter.Matches(stored))
                {
                    events.Add(stored);
                }
            }

            // Without More the replay holds every visible event up to its head, so the cursor may move to the head.
            position = replay.More ? replay.Events[^1].Id : replay.Head;
            complete = !replay.More;
            if (events.Count > 0 || !replay.More)
            {
                break;
            }
        }

        var batch = new PollBatch(events, position, Heartbeat: false, reset, head) { Source = PollSource.Replay };
        return new LogRead(batch, complete, membershipChanged);
    }
}

/// <summary>One read of the log: the batch, whether it reached the head, and whether the user joined or left a room in it.</summary>
internal readonly record struct LogRead(PollBatch Batch, bool Complete, bool MembershipChanged);
