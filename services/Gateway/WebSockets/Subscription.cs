using System.Net.WebSockets;
using System.Threading.Channels;
using ChatMesh.Chat.EventLog;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The <c>subscribe</c> frame: starts live delivery on the connection's <see cref="Chat.LiveEvents.ResumableFeed"/>
/// (resumed when it names <c>after</c>) and answers with <c>subscribed</c> or <c>reset</c> ahead of the live events.
/// Runs beside the receive loop so a long replay never stalls the connection's other frames. When a burst leaves the
/// feed behind, catches it up from the log at the client's pace; a client that reads nothing meanwhile is cut off.
/// </summary>
internal sealed partial class Subscription(ConnectionContext context, ConnectionSender sender, Action<WebSocketCloseStatus, string> close) : IDisposable
{
    private Task _running = Task.CompletedTask;
    private Task _catchingUp = Task.CompletedTask;
    private CancellationToken _cancellation;
    private int _started;
    private int _catchUpRunning;
    private long _watchedWritten = -1;
    private long _watchedSince;

    public void Start(long? after, string? reference, CancellationToken cancellationToken)
    {
        if (after is < 0)
        {
            throw new FrameException("invalid_frame", "after must not be negative.");
        }

        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new FrameException("already_subscribed", "This connection is already subscribed.");
        }

        _cancellation = cancellationToken;
        _running = RunAsync(after, reference, cancellationToken);
    }

    private async Task RunAsync(long? after, string? reference, CancellationToken cancellationToken)
    {
        try
        {
            await sender.Feed.SubscribeAsync(context.Chat, context.Hub, after, context.Options.ReplayBatchSize,
                result => sender.SendControl(result.Reset
                    ? ServerFrames.Reset(reference, result.Head)
                    : ServerFrames.Subscribed(reference, result.Head, result.Replayed)),
                cancellationToken);
        }
        catch (ChatException ex)
        {
            Interlocked.Exchange(ref _started, 0);
            sender.SendControl(ServerFrames.Error(reference, ex.Code, ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection is closing.
        }
        catch (ChannelClosedException)
        {
            // The feed completed (slow consumer or closing) during the replay.
        }
    }

    /// <summary>
    /// The feed fell behind (called on the thread that dispatched the event that did not fit; must not block): one
    /// catch-up at a time runs off that thread until the feed is up to date.
    /// </summary>
    public void OnBehind()
    {
        if (Interlocked.Exchange(ref _catchUpRunning, 1) == 0)
        {
            _catchingUp = Task.Run(CatchUpAsync);
        }
    }

    private async Task CatchUpAsync()
    {
        var feed = sender.Feed;
        var timeout = context.Options.SlowConsumerTimeout;
        Volatile.Write(ref _watchedWritten, -1);
        await using var watchdog = context.Time.CreateTimer(static state => ((Subscription)state!).Watch(), this, timeout / 4, timeout / 4);
        try
        {
            do
            {
                LogBehind(context.Logger, context.ConnectionId, context.Options.MaxQueuedFrames);
                while (feed.IsBehind)
                {
                    await feed.CatchUpAsync(context.Chat, context.Options.ReplayBatchSize, _cancellation);
                }

                Volatile.Write(ref _catchUpRunning, 0);
            }
            // A burst that left the feed behind after the last look but found this catch-up still running: take it.
            while (feed.IsBehind && Interlocked.Exchange(ref _catchUpRunning, 1) == 0);
        }
        catch (Exception ex) when (ex is ChannelClosedException || (ex is OperationCanceledException && _cancellation.IsCancellationRequested))
        {
            // The feed completed (slow consumer, closing): the client resumes.
        }
        catch (Exception ex)
        {
            // Redis unavailable, mostly. The feed stays behind; the client reconnects and resumes from its last id.
            LogCatchUpFailed(context.Logger, ex, context.ConnectionId);
            close(CloseCodes.InternalError, "internal_error");
        }
    }

    /// <summary>
    /// The slow-consumer check while catching up: frames waiting and none taken by the socket for
    /// <see cref="ChatWebSocketOptions.SlowConsumerTimeout"/> means the client is not reading (a burst the client
    /// reads through keeps the count moving, however long the backlog).
    /// </summary>
    private void Watch()
    {
        var now = context.Time.GetTimestamp();
        var written = sender.Written;
        if (written != Volatile.Read(ref _watchedWritten) || !sender.Feed.HasQueued)
        {
            Volatile.Write(ref _watchedWritten, written);
            Volatile.Write(ref _watchedSince, now);
            return;
        }

        if (context.Time.GetElapsedTime(Volatile.Read(ref _watchedSince), now) >= context.Options.SlowConsumerTimeout)
        {
            sender.CutSlowConsumer();
        }
    }

    public Task StopAsync() => Task.WhenAll(_running, _catchingUp);

    public void Dispose() => sender.Feed.Unsubscribe();

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket {ConnectionId} fell {MaxQueuedFrames} events behind; catching up from the log")]
    private static partial void LogBehind(ILogger logger, string connectionId, int maxQueuedFrames);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WebSocket {ConnectionId} could not catch up from the log; closing it so the client resumes")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception, string connectionId);
}
