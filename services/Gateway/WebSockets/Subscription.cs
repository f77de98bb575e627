using System.Net.WebSockets;
using System.Threading.Channels;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Problems;

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
    private FeedCatchUp? _catchUp;
    private int _started;

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

        // A client that reads nothing for SlowConsumerTimeout while the feed catches up is cut off (close 4000).
        Volatile.Write(ref _catchUp, new FeedCatchUp(sender.Feed, context.Chat, context.Options.ReplayBatchSize, context.Options.SlowConsumerTimeout,
            context.Time, () => LogBehind(context.Logger, context.ConnectionId, context.Options.MaxQueuedFrames), OnCatchUpFailed, cancellationToken));
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
        catch (Exception ex) when (StoreFailures.IsTransient(ex))
        {
            // Redis restarting or failing over: the client is told (it used to wait for "subscribed" forever) and may
            // subscribe again, as after any refused subscribe.
            Interlocked.Exchange(ref _started, 0);
            sender.SendControl(ServerFrames.Error(reference, ApiErrors.StoreUnavailable, "The chat store is unavailable for a moment; subscribe again.", StoreFailures.RetryAfter));
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
    /// The catch-up from the log failed: the connection ends so the client resumes from the last event it got. Redis
    /// restarting or failing over is transient (as every channel answers it, <c>store_unavailable</c>): close 1013; any
    /// other failure is a bug: close 1011.
    /// </summary>
    private void OnCatchUpFailed(Exception exception)
    {
        if (StoreFailures.IsTransient(exception))
        {
            LogCatchUpStoreUnavailable(context.Logger, context.ConnectionId, exception.GetType().Name, exception.Message);
            close(CloseCodes.StoreUnavailable, ApiErrors.StoreUnavailable);
            return;
        }

        LogCatchUpFailed(context.Logger, exception, context.ConnectionId);
        close(CloseCodes.InternalError, "internal_error");
    }

    /// <summary>The feed fell behind (called on the dispatching thread; must not block): the shared catch-up takes it.</summary>
    public void OnBehind() => Volatile.Read(ref _catchUp)?.OnBehind();

    public Task StopAsync() => Task.WhenAll(_running, Volatile.Read(ref _catchUp)?.Completion ?? Task.CompletedTask);

    public void Dispose() => sender.Feed.Unsubscribe();

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket {ConnectionId} fell {MaxQueuedFrames} events behind; catching up from the log")]
    private static partial void LogBehind(ILogger logger, string connectionId, int maxQueuedFrames);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WebSocket {ConnectionId} could not catch up from the log, the store is unavailable ({Kind}: {Reason}); closing it 1013 so the client resumes")]
    private static partial void LogCatchUpStoreUnavailable(ILogger logger, string connectionId, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "WebSocket {ConnectionId} could not catch up from the log; closing it so the client resumes")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception, string connectionId);
}
