using System.Threading.Channels;
using ChatMesh.Chat.EventLog;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// Falling behind, for a feed made with <c>onBehind</c> (the gateway's WebSocket, the notification service's SSE and NDJSON): a burst larger than the capacity is
/// dropped (the log has it) and <see cref="CatchUpAsync"/> replays it at the reader's pace instead of the feed
/// overflowing; control items keep a reserve of their own.
/// </summary>
public sealed partial class ResumableFeed
{
    /// <summary>Control items a feed made with onBehind can queue beyond its capacity of events.</summary>
    public static int ControlReserve(int capacity) => Math.Max(4, capacity / 4);

    /// <summary>True while the feed has dropped logged events that a <see cref="CatchUpAsync"/> must replay from the log.</summary>
    public bool IsBehind => Interlocked.Read(ref _behindAfter) >= 0;

    /// <summary>Items the single reader has taken from the queue so far: its read progress (see <see cref="FeedCatchUp"/>).</summary>
    public long Taken => _queue.Taken;

    /// <summary>
    /// Cuts a client that reads nothing: the feed overflows (queued items are still readable, then the feed ends, and
    /// onOverflow is called), as a full queue would. Nothing is lost: the client resumes from the last id it got.
    /// </summary>
    public void CutSlowConsumer() => Overflow();

    private void NotifyBehind()
    {
        if (Volatile.Read(ref _completed) == 0)
        {
            _onBehind!.Invoke();
        }
    }

    /// <summary>
    /// Queues a replayed event, waiting while the queue holds its capacity of items: a feed made with onBehind replays
    /// up to its capacity of events only, leaving its reserve to control items. A feed that completed meanwhile throws
    /// <see cref="ChannelClosedException"/> (what the channels catch as "the stream ended").
    /// </summary>
    private async ValueTask ReplayWriteAsync(FeedItem item, CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (_queue.TryEnqueue(item, _capacity))
            {
                case EnqueueResult.Queued:
                    NoteQueued(item.Id);
                    return;
                case EnqueueResult.Closed:
                    throw new ChannelClosedException();
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Stored with a full fence, then one more look: the reader either sees the waiter or left room seen here.
            Interlocked.Exchange(ref _roomWaiter, waiter);
            if (_queue.Count < _capacity || _queue.IsClosed)
            {
                continue;
            }

            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Brings a feed that fell behind up to date: holds live events, replays from the log what followed the last
    /// event it queued (waiting for the reader as a resume does), then releases the held events the replay did not
    /// cover. The reader skips ids already sent, so the client sees every event once, in id order. If the hold filled
    /// again meanwhile the feed is behind again (<see cref="IsBehind"/>) and the caller runs this once more. If the
    /// client fell beyond retention, the feed overflows: the client resumes and gets its <c>reset</c>.
    /// </summary>
    public async Task CatchUpAsync(IChatService chat, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var after = Interlocked.Read(ref _behindAfter);
        if (after < 0)
        {
            return;
        }

        BeginHold();
        ResumeResult result;
        try
        {
            result = await ReplayAsync(chat, after, batchSize, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Still behind: nothing the replay did not queue is lost from view (the channel ends the connection).
            AbandonHold(after);
            throw;
        }

        if (result.Reset)
        {
            AbandonHold(after);
            Overflow();
            return;
        }

        EndHold(result.LastReplayedId, result.LastReplayedId);
    }

    /// <summary>Ends a catch-up's hold without releasing it: the feed stays behind from <paramref name="after"/>.</summary>
    private void AbandonHold(long after)
    {
        lock (_gate)
        {
            _heldDropped = true;
        }

        EndHold(long.MaxValue, after);
    }
}
