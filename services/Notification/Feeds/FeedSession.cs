using System.Threading.Channels;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Presence;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// One open stream (SSE or NDJSON) of one user, whatever its format: the registered connection, the
/// <see cref="ResumableFeed"/> with the client's filter, the subscription (resumed when asked), its place in the
/// instance's <see cref="HeartbeatTicker"/> and the shutdown hook. <see cref="FeedWriter"/> reads it with <see cref="TryRead"/> and <see cref="WaitAsync"/>.
/// </summary>
internal sealed partial class FeedSession : IHeartbeatStream, IAsyncDisposable
{
    private readonly FeedContext _context;
    private readonly FeedRequest _request;
    private readonly ConnectionLease _lease;
    private readonly bool _typed;
    private readonly string _channel;
    private readonly CancellationTokenSource _stop;
    private readonly ResumableFeed _feed;
    private readonly FeedCatchUp _catchUp;
    private long _quietSince;
    private CancellationTokenRegistration _onStopping;
    private Task _subscribing = Task.CompletedTask;

    public FeedSession(FeedContext context, FeedRequest request, ConnectionLease lease, string channel, CancellationToken aborted)
    {
        _context = context;
        _request = request;
        _lease = lease;
        _channel = channel;
        // NDJSON lines describe themselves; on SSE the event: field carries the type.
        _typed = channel == FeedChannels.Ndjson;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        // A burst larger than the queue leaves the feed behind (caught up from the log at the client's pace), not cut;
        // a client that reads nothing meanwhile for SlowConsumerTimeout is cut with slow_consumer (counted as it happens).
        var options = context.Options;
        _feed = new ResumableFeed(lease.User, options.MaxQueuedEvents, request.IsFiltered ? request.Allows : null,
            onOverflow: () => context.Metrics.SlowConsumer(channel), onBehind: () => _catchUp!.OnBehind());
        _catchUp = new FeedCatchUp(_feed, context.Chat, options.ReplayBatchSize, options.SlowConsumerTimeout, context.Time,
            () => LogBehind(context.Logger, channel, lease.ConnectionId, options.MaxQueuedEvents),
            ex =>
            {
                // Redis unavailable, mostly: the stream says so and ends; the client resumes from its last event id.
                LogCatchUpFailed(context.Logger, ex, channel, lease.ConnectionId);
                FailWith(ex);
            },
            _stop.Token);
    }

    public string User => _lease.User;

    /// <summary>NDJSON (self-describing lines) rather than SSE.</summary>
    public bool IsNdjson => _typed;

    public int TickerSlot { get; set; } = -1;

    public long QuietSince => Volatile.Read(ref _quietSince);

    /// <summary>Queues the hello, starts heartbeats and the (resumed) subscription beside the writer.</summary>
    public void Start(long head)
    {
        var options = _context.Options;
        _context.Metrics.Connected(_channel);
        _feed.TrySendControl(FeedControl.Hello, FeedControl.HelloJson(_typed, User, _lease.ConnectionId, head, options));
        Volatile.Write(ref _quietSince, _context.Time.GetTimestamp());
        _context.Heartbeats.Add(this);
        _onStopping = _context.Lifetime.ApplicationStopping.Register(static state => ((FeedSession)state!).Shutdown(), this);
        // A stream opened without a resume point starts at the head its hello announced, not at the moment the
        // subscription registers: the client sees the response (EventSource's open) before then, and an event
        // committed in between — the user's own first message — must not fall into the gap.
        _subscribing = SubscribeAsync(_request.After ?? head, _stop.Token);
    }

    private async Task SubscribeAsync(long after, CancellationToken cancellationToken)
    {
        try
        {
            await _feed.SubscribeAsync(_context.Chat, _context.Hub, after, _context.Options.ReplayBatchSize,
                result => _feed.TrySendControl(result.Reset ? FeedControl.Reset : FeedControl.Subscribed, result.Reset
                    ? FeedControl.ResetJson(_typed, result.Head)
                    : FeedControl.SubscribedJson(_typed, result.Head, result.Replayed)),
                cancellationToken);
        }
        catch (ChatException ex)
        {
            _feed.TrySendControl(FeedControl.Error, FeedControl.ErrorJson(_typed, ex.Code, ex.Message));
            _feed.Complete();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // The stream ended (client gone, slow consumer, shutdown) during the replay.
        }
        catch (Exception ex)
        {
            LogSubscribeFailed(_context.Logger, ex, User);
            FailWith(ex);
        }
    }

    /// <summary>Ends the stream with a last <c>error</c>: <c>store_unavailable</c> when Redis is restarting or failing over, else <c>internal_error</c>.</summary>
    private void FailWith(Exception ex)
    {
        _feed.TrySendControl(FeedControl.Error, StoreFailures.IsTransient(ex)
            ? FeedControl.ErrorJson(_typed, ApiErrors.StoreUnavailable, "The chat store is unavailable for a moment; reconnect to resume.")
            : FeedControl.ErrorJson(_typed, ApiErrors.Internal, "The stream failed; reconnect to resume."));
        _feed.Complete();
    }

    /// <summary>The next item to write, in order (logged ids already sent skipped); false when none is queued.</summary>
    public bool TryRead(out FeedItem item) => _feed.TryRead(out item);

    /// <summary>True once the feed has ended and every item was read: after <see cref="TryTakeLast"/>, the stream ends.</summary>
    public bool IsDrained => _feed.IsDrained;

    /// <summary>Waits until an item is queued or the feed ends (the writer's only wait; it allocates nothing).</summary>
    public ValueTask WaitAsync() => _feed.WaitAsync();

    /// <summary>Completes the feed when <paramref name="cancellationToken"/> is cancelled (the client went away).</summary>
    public CancellationTokenRegistration CompleteWhenCancelled(CancellationToken cancellationToken) =>
        cancellationToken.UnsafeRegister(static feed => ((ResumableFeed)feed!).Complete(), _feed);

    private const string SlowConsumerMessage = "The stream fell behind and the client read nothing for too long; reconnect and resume from the last event id.";

    /// <summary>The item that ends a drained feed, if any: after an overflow, the <c>slow_consumer</c> error.</summary>
    public bool TryTakeLast(out FeedItem item)
    {
        if (!_feed.Overflowed)
        {
            item = default;
            return false;
        }

        item = new FeedItem(0, FeedControl.Error, null, FeedControl.ErrorJson(_typed, FeedControl.SlowConsumer, SlowConsumerMessage), IsControl: true);
        return true;
    }

    /// <summary>The write span of <paramref name="item"/> (null unless it is a traced live event).</summary>
    public System.Diagnostics.Activity? StartWrite(in FeedItem item) => FeedDelivery.StartWrite(_channel, item);

    /// <summary>Counts <paramref name="item"/> as written to the client, once the channel has written it.</summary>
    public void Written(in FeedItem item) => _context.Metrics.Written(_channel, item);

    /// <summary>The writer flushed to the client: the stream is not quiet.</summary>
    public void Flushed() => Volatile.Write(ref _quietSince, _context.Time.GetTimestamp());

    /// <summary>Queues a heartbeat (called by the <see cref="HeartbeatTicker"/> when the stream was quiet long enough).</summary>
    public void Heartbeat(long now, ReadOnlyMemory<byte> json)
    {
        Volatile.Write(ref _quietSince, now);
        // Items still waiting will be written first: the stream is not idle, its writes are slow (a heartbeat behind
        // them says nothing and would take the room of the control items that matter).
        if (!_feed.HasQueued)
        {
            _feed.TrySendControl(FeedControl.Heartbeat, json);
        }
    }

    /// <summary>Ends the stream at once (the writer can no longer write): what is queued is dropped.</summary>
    public void Abort() => _feed.Discard();

    /// <summary>The server is stopping: a last item tells the client to reconnect (elsewhere), then the stream ends.</summary>
    private void Shutdown()
    {
        _feed.Unsubscribe();
        _feed.TrySendControl(FeedControl.Shutdown, FeedControl.ShutdownJson(_typed));
        _feed.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        _context.Heartbeats.Remove(this);
        await _onStopping.DisposeAsync();
        await _stop.CancelAsync();
        _feed.Dispose();
        await _subscribing;
        await _catchUp.Completion;
        _stop.Dispose();
        _context.Metrics.Disconnected(_channel);
        await _lease.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel} stream {ConnectionId} fell behind by more than {MaxQueuedEvents} events; catching up from the log")]
    private static partial void LogBehind(ILogger logger, string channel, string connectionId, int maxQueuedEvents);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} stream {ConnectionId} could not catch up from the log; ending it so the client resumes")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception, string channel, string connectionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Subscribing the stream of {User} failed")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception, string user);
}

/// <summary>The channel names used in metrics and spans (<c>chatmesh.channel</c>) and to pick the control items' shape.</summary>
internal static class FeedChannels
{
    public const string Sse = DeliveryChannels.Sse;
    public const string Ndjson = DeliveryChannels.Ndjson;
}
