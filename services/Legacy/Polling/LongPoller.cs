using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// Answers a poll from the event log. A held poll subscribes to this instance's live fan-out <em>before</em> its first read,
/// then sleeps (no thread, no Redis polling) until a matching event passes, waits <see cref="LegacyOptions.CoalesceDelay"/>
/// for the rest of a burst, and reads again. Every answer is exactly the log's replay after the cursor, so live delivery
/// only decides <em>when</em> to answer, never <em>what</em>: no gap, no duplicate, whatever order the bus brings.
/// </summary>
public sealed class LongPoller(IChatService chat, ILiveEventHub hub, PollMetrics metrics, IOptions<LegacyOptions> options, TimeProvider time)
{
    // Replay pages scanned per read when a filter drops everything; the cursor still advances past them.
    private const int MaxScansPerRead = 10;

    /// <summary>
    /// Answers at once when events are pending or <paramref name="hold"/> is null; otherwise holds up to it. A held poll
    /// ends early with a heartbeat when <paramref name="release"/> fires (the instance is stopping: the client re-polls
    /// another one).
    /// </summary>
    public async Task<PollBatch> PollAsync(EventQueue queue, TimeSpan? hold, CancellationToken release, CancellationToken cancellationToken)
    {
        var batch = hold is { } wait
            ? await HoldAsync(queue, wait, release, cancellationToken)
            : await ReadAsync(queue, queue.Cursor, cancellationToken);
        metrics.Answered(batch);
        return batch;
    }

    private async Task<PollBatch> HoldAsync(EventQueue queue, TimeSpan wait, CancellationToken release, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var waiter = new PollWaiter(queue.User, queue.Filter);
        var rooms = await chat.ListMyRoomsAsync(queue.User, cancellationToken);
        using var subscription = hub.Subscribe(waiter, rooms.Select(static room => room.Room.Id));
        metrics.HoldStarted();
        try
        {
            return await WaitForEventsAsync(queue, waiter, started, wait, release, cancellationToken);
        }
        finally
        {
            metrics.HoldEnded();
        }
    }

    private async Task<PollBatch> WaitForEventsAsync(
        EventQueue queue, PollWaiter waiter, long started, TimeSpan wait, CancellationToken release, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var position = queue.Cursor;
        while (true)
        {
            var batch = await ReadAsync(queue, position, cancellationToken);
            if (batch.Events.Count > 0 || batch.Reset)
            {
                return batch;
            }

            position = batch.LastEventId;
            waiter.Arm(position);
            var remaining = wait - time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero || release.IsCancellationRequested || cancellationToken.IsCancellationRequested
                || !await waiter.WaitAsync(remaining, time, release, cancellationToken))
            {
                return batch with { Heartbeat = true };
            }

            if (settings.CoalesceDelay > TimeSpan.Zero)
            {
                await Task.Delay(settings.CoalesceDelay, time, CancellationToken.None);
            }
        }
    }

    /// <summary>The queue's events after <paramref name="after"/>, filtered, at most <see cref="LegacyOptions.MaxEventsPerResponse"/>.</summary>
    private async Task<PollBatch> ReadAsync(EventQueue queue, long after, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxEventsPerResponse;
        List<StoredEvent> events = [];
        var position = after;
        var reset = false;
        var head = after;
        for (var scan = 0; scan < MaxScansPerRead; scan++)
        {
            var replay = await chat.ReplayAsync(queue.User, position, limit, cancellationToken);
            reset |= replay.Reset;
            head = replay.Head;
            foreach (var stored in replay.Events)
            {
                if (queue.Filter.Matches(stored))
                {
                    events.Add(stored);
                }
            }

            // Without More the replay holds every visible event up to its head, so the cursor may move to the head.
            position = replay.More ? replay.Events[^1].Id : replay.Head;
            if (events.Count > 0 || !replay.More)
            {
                break;
            }
        }

        return new PollBatch(events, position, Heartbeat: false, reset, head);
    }
}
