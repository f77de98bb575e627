using System.Threading.Channels;
using ChatMesh.Chat.EventLog;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// The catch-up of a <see cref="ResumableFeed"/> made with <c>onBehind</c>, whatever the channel (WebSocket, SSE,
/// NDJSON): <see cref="OnBehind"/> starts one run, off the dispatching thread, of <see cref="ResumableFeed.CatchUpAsync"/>
/// until the feed is up to date. While it runs, a client that takes nothing from a non-empty queue for
/// <paramref name="slowConsumerTimeout"/> is cut off (<see cref="ResumableFeed.CutSlowConsumer"/>): a client that
/// reads through a burst keeps its stream however long the backlog, one that reads nothing is told and resumes later.
/// </summary>
/// <param name="onStart">Called as each run starts (a log line).</param>
/// <param name="onFailed">The catch-up failed (Redis unavailable, mostly): the feed stays behind; the channel ends the connection so the client resumes.</param>
public sealed class FeedCatchUp(
    ResumableFeed feed,
    IChatService chat,
    int batchSize,
    TimeSpan slowConsumerTimeout,
    TimeProvider time,
    Action? onStart,
    Action<Exception> onFailed,
    CancellationToken cancellationToken)
{
    private Task _running = Task.CompletedTask;
    private int _active;
    private long _watchedTaken = -1;
    private long _watchedSince;

    /// <summary>The current run (completed when none runs); a channel awaits it before it disposes what the run uses.</summary>
    public Task Completion => Volatile.Read(ref _running);

    /// <summary>The feed fell behind (called on the thread that dispatched the event that did not fit; does not block).</summary>
    public void OnBehind()
    {
        if (Interlocked.Exchange(ref _active, 1) == 0)
        {
            Volatile.Write(ref _running, Task.Run(RunAsync));
        }
    }

    private async Task RunAsync()
    {
        var period = slowConsumerTimeout / 4;
        Volatile.Write(ref _watchedTaken, -1);
        await using var watchdog = time.CreateTimer(static state => ((FeedCatchUp)state!).Watch(), this, period, period);
        try
        {
            do
            {
                onStart?.Invoke();
                while (feed.IsBehind)
                {
                    await feed.CatchUpAsync(chat, batchSize, cancellationToken).ConfigureAwait(false);
                }

                Volatile.Write(ref _active, 0);
            }
            // A burst that left the feed behind after the last look but found this run still active: take it.
            while (feed.IsBehind && Interlocked.Exchange(ref _active, 1) == 0);
        }
        catch (Exception ex) when (ex is ChannelClosedException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The feed completed (slow consumer, closing): the client resumes.
        }
        catch (Exception ex)
        {
            onFailed(ex);
        }
    }

    /// <summary>
    /// Items waiting and none taken by the channel's writer since the last look, for the whole timeout: the client
    /// is not reading (a client that reads through a burst keeps the count moving).
    /// </summary>
    private void Watch()
    {
        var now = time.GetTimestamp();
        var taken = feed.Taken;
        if (taken != Volatile.Read(ref _watchedTaken) || !feed.HasQueued)
        {
            Volatile.Write(ref _watchedTaken, taken);
            Volatile.Write(ref _watchedSince, now);
            return;
        }

        if (time.GetElapsedTime(Volatile.Read(ref _watchedSince), now) >= slowConsumerTimeout)
        {
            feed.CutSlowConsumer();
        }
    }
}
