using System.Collections.Concurrent;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// The queues this instance polled within <see cref="LegacyOptions.RepollWindow"/> (<see cref="LocalQueue"/>), so a
/// caught-up client's re-poll costs no Redis round trip. What another instance does to a queue reaches every instance on
/// <see cref="EventQueueScripts.Changed"/> (the queue script and deletion publish it) and makes the local state stale: that
/// queue's next poll here starts with the queue script again. So does losing the Redis connection (a message may have
/// been missed). Queues not polled within the window are forgotten (their subscriptions end).
/// </summary>
internal sealed partial class LocalQueues(
    IConnectionMultiplexer redis, QueueWrites writes, IOptions<LegacyOptions> options, TimeProvider time, ILogger<LocalQueues> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, LocalQueue> _queues = new(StringComparer.Ordinal);
    private volatile bool _listening;
    private volatile bool _stopped;

    private TimeSpan Window => options.Value.RepollWindow;

    /// <summary>The queues known here now (for tests and metrics).</summary>
    public int Count => _queues.Count;

    /// <summary>
    /// A held poll that continues exactly where this instance's last answer left its queue: the queue, taken for the poll,
    /// and <paramref name="written"/>, which completes once its lease and acknowledgement are in Redis (in a batch with
    /// other polls'); it holds only if <see cref="LocalQueue.HoldsLease"/> then. Null: start with the queue script.
    /// </summary>
    public LocalQueue? TryResume(string id, string user, long? cursor, TimeSpan hold, out Task written)
    {
        written = Task.CompletedTask;
        if (!_listening || _stopped || cursor is not { } at || !_queues.TryGetValue(id, out var queue)
            || !queue.TryResume(user, at, time.GetUtcNow().ToUnixTimeMilliseconds(), hold, options.Value))
        {
            return null;
        }

        written = writes.Enqueue(queue);
        return queue;
    }

    /// <summary>This instance polled the queue without it (a short poll) or deleted it: its next held poll starts with the script.</summary>
    public void MarkStale(string id)
    {
        if (_queues.TryGetValue(id, out var queue))
        {
            queue.MarkStale();
        }
    }

    /// <summary>The acknowledgement this instance made on the queue (possibly not yet written), or null when unknown.</summary>
    public long? LocalAck(string id) => _queues.TryGetValue(id, out var queue) ? queue.Acked : null;

    /// <summary>
    /// The queue known here, taken for a held poll that starts with the queue script (which renews its lease rather
    /// than counting a new one); null when none is known or another poll holds it.
    /// </summary>
    public LocalQueue? TryClaim(string id, string user) =>
        _queues.TryGetValue(id, out var queue) && queue.TryClaim(user) ? queue : null;

    /// <summary>
    /// A new local queue for a held poll that the queue script started, registered for the re-polls when the window is on
    /// and no other poll registered it meanwhile. <paramref name="registered"/> false: it serves this poll only, and the
    /// caller disposes it and gives its lease back at the end.
    /// </summary>
    public LocalQueue Add(EventQueue queue, out bool registered)
    {
        var local = new LocalQueue(queue, options.Value.MaxEventsPerResponse);
        // Taken before it is visible, so a sweep never forgets it before its first poll ends.
        local.TryClaim(queue.User);
        registered = Window > TimeSpan.Zero && !_stopped && _queues.TryAdd(queue.Id, local);
        return local;
    }

    /// <summary>
    /// A held poll on <paramref name="queue"/> ended; <paramref name="answered"/> is its cursor, or null when it failed.
    /// The task completes once its lease is given back (in a batch with other polls').
    /// </summary>
    public Task Ended(LocalQueue queue, long? answered)
    {
        if (!queue.Ended(answered, time.GetTimestamp()))
        {
            queue.Dispose();
        }

        return writes.Enqueue(queue);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Window <= TimeSpan.Zero)
        {
            return;
        }

        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            await redis.GetSubscriber().SubscribeAsync(EventQueueScripts.Changed, OnChanged);
            _listening = true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Without the channel this instance cannot know what others do: every poll starts with the queue script.
            LogSubscribeFailed(exception);
        }

        using var timer = new PeriodicTimer(Window / 4, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // The give-backs are written in the background; a failure is logged there and the leases run out by themselves.
                _ = Sweep(force: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync gives the leases back.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _listening = false;
        await base.StopAsync(cancellationToken);
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        try
        {
            // Forget every queue; polls still holding give their leases back as they end.
            await Sweep(force: true).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException)
        {
            LogReleaseFailed(exception);
        }
    }

    private Task Sweep(bool force)
    {
        var now = time.GetTimestamp();
        Task written = Task.CompletedTask;
        foreach (var (id, queue) in _queues)
        {
            if (queue.TryEvict(now, Window, time, force))
            {
                _queues.TryRemove(new KeyValuePair<string, LocalQueue>(id, queue));
                written = writes.Enqueue(queue);
            }
        }

        return written;
    }

    private void OnChanged(RedisChannel channel, RedisValue message)
    {
        var text = (string?)message;
        var space = text?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (space <= 0 || text.AsSpan(0, space).SequenceEqual(LegacyInstance.Id))
        {
            return;
        }

        if (_queues.TryGetValue(text![(space + 1)..], out var queue))
        {
            queue.MarkStale();
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        _listening = false;
        foreach (var queue in _queues.Values)
        {
            queue.MarkStale();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        // The subscription is restored with the connection; what was published meanwhile was missed.
        foreach (var queue in _queues.Values)
        {
            queue.MarkStale();
        }

        _listening = !_stopped;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to {Channel}; every held poll starts with the queue script")]
    private partial void LogSubscribeFailed(Exception exception, string channel = "legacy:queues:changed");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write what the forgotten event queues owed Redis; their leases run out by themselves")]
    private partial void LogReleaseFailed(Exception exception);
}
