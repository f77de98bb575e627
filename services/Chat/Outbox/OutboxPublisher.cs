using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Telemetry;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Outbox;

/// <summary>
/// Puts every outbox entry on the bus, in <see cref="ChatEventBatchPublished"/> messages of consecutive entries, in id order, from exactly one instance at
/// a time. Concurrent publishers on several instances would let RabbitMQ interleave their streams, so a consumer could
/// see id 12 before id 11 and a client resuming "after 12" would miss 11; one leader publishing in id order keeps the bus
/// in global id order. Leadership is a Redis lease; a new leader resumes after <c>chat:outbox:published</c>,
/// so events around a failover may be published twice (consumers drop ids they have seen) but none is skipped.
/// </summary>
public sealed partial class OutboxPublisher(
    IConnectionMultiplexer redis,
    OwnRedisConnections ownConnections,
    IBus bus,
    IOptions<OutboxOptions> options,
    IOptions<ChatOptions> chatOptions,
    TimeProvider time,
    IMeterFactory meterFactory,
    ILogger<OutboxPublisher> logger) : BackgroundService
{
    // Links kept on one publish span to the other events' traces: enough to navigate, bounded for big batches.
    private const int MaxLinks = 32;

    private readonly OutboxOptions _options = options.Value;
    private readonly OutboxLease _lease = new(redis, NewInstanceId(), options.Value.LeaseDuration);
    private readonly OutboxMetrics _metrics = new(meterFactory);
    private long _leaseValidUntilTicks;
    private long _lastPublishedId;
    private volatile bool _isLeader;

    /// <summary>This publisher's identity in the lease.</summary>
    public string InstanceId => _lease.InstanceId;

    /// <summary>True while this instance holds the lease and publishes.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The last id this instance published and recorded (0 if it never led).</summary>
    public long LastPublishedId => Interlocked.Read(ref _lastPublishedId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var tail = new OutboxTailReader(ownConnections, chatOptions.Value.Durability);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var attemptedAt = time.GetUtcNow();
                if (await _lease.TryAcquireAsync().ConfigureAwait(false))
                {
                    Volatile.Write(ref _leaseValidUntilTicks, (attemptedAt + _options.LeaseDuration).UtcTicks);
                    await LeadAsync(tail, stoppingToken).ConfigureAwait(false);
                }
                await Task.Delay(_options.RenewInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                LogLeaseUnavailable(exception);
                await DelayQuietlyAsync(_options.RenewInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task LeadAsync(OutboxTailReader tail, CancellationToken stoppingToken)
    {
        using var leadership = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _isLeader = true;
        LogLeaseAcquired(InstanceId);
        var renewing = RenewAsync(leadership);
        try
        {
            await PublishAsync(tail, leadership.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (leadership.IsCancellationRequested)
        {
            // Lease lost or host stopping: either way stop publishing now.
        }
        finally
        {
            _isLeader = false;
            _metrics.ClearLag();
            await leadership.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                // Hand over at once instead of making the next leader wait for the lease to expire.
                await ReleaseQuietlyAsync().ConfigureAwait(false);
            }
            LogLeaseEnded(InstanceId);
        }
    }

    private async Task RenewAsync(CancellationTokenSource leadership)
    {
        try
        {
            while (!leadership.IsCancellationRequested)
            {
                await Task.Delay(_options.RenewInterval, time, leadership.Token).ConfigureAwait(false);
                var attemptedAt = time.GetUtcNow();
                bool renewed;
                try
                {
                    renewed = await _lease.TryRenewAsync().ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    // Keep trying until the local validity runs out; the publish loop checks it before each batch.
                    LogLeaseUnavailable(exception);
                    continue;
                }
                if (!renewed)
                {
                    await leadership.CancelAsync().ConfigureAwait(false);
                    return;
                }
                Volatile.Write(ref _leaseValidUntilTicks, (attemptedAt + _options.LeaseDuration).UtcTicks);
                await UpdateLagAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PublishAsync(OutboxTailReader tail, CancellationToken cancellationToken)
    {
        var last = await _lease.ReadPublishedAsync().ConfigureAwait(false);
        Interlocked.Exchange(ref _lastPublishedId, last);
        // Two lanes, each in id order. The live copy of a batch goes out first and alone decides when the next batch
        // may go live: its confirm is immediate (transient queues only). The durable copy of the batch, then the record
        // of progress, run in the background while the next batch is read and published live; the durable copy of the
        // next batch starts only once the previous one is confirmed and recorded. Awaiting every durable confirm before
        // the next publish (as before) put the broker's disk write in front of every later event's live delivery.
        Task<bool>? durable = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var batch = await tail.ReadAfterAsync(last, _options.BatchSize, _options.IdleReadTimeout, cancellationToken).ConfigureAwait(false);
                    if (durable is { IsCompleted: true } && !await durable.ConfigureAwait(false))
                    {
                        // The record found the lease taken: another instance leads.
                        return;
                    }
                    if (batch.Count == 0)
                    {
                        continue;
                    }
                    _metrics.EventsRead(batch, time.GetUtcNow());
                    if (!LeaseStillValid())
                    {
                        // Renewals have been failing for a whole lease: another instance may already lead.
                        return;
                    }
                    // One bus message per chunk of consecutive events, each awaited until the broker confirms: the next
                    // chunk is published only after the previous one is confirmed, so each lane stays in id order
                    // (starting publishes together was tried and reordered them), and a busy outbox costs one round
                    // trip per chunk, not per event.
                    var chunks = Chunk(batch, _options.MaxBatchBytes).ToArray();
                    foreach (var chunk in chunks)
                    {
                        await PublishChunkAsync(chunk, live: true, cancellationToken).ConfigureAwait(false);
                    }
                    if (durable is not null && !await durable.ConfigureAwait(false))
                    {
                        return;
                    }
                    durable = PublishDurableAsync(chunks, batch[^1].Id, batch.Count, cancellationToken);
                    last = batch[^1].Id;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Redis or RabbitMQ unavailable: keep the lease while it renews and retry from the last recorded id
                    // (the live lane may have gone further: its consumers drop what they see twice).
                    await SettleQuietlyAsync(durable).ConfigureAwait(false);
                    durable = null;
                    last = LastPublishedId;
                    LogPublishFailed(exception, last);
                    await Task.Delay(_options.RenewInterval, time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Never leave a durable publish or a record running behind a hand-over.
            await SettleQuietlyAsync(durable).ConfigureAwait(false);
        }
    }

    /// <summary>The durable copy of a read batch, chunk by chunk in order, then the fenced record of progress; false if the lease is lost.</summary>
    private async Task<bool> PublishDurableAsync(ChatEventPublished[][] chunks, long newest, int count, CancellationToken cancellationToken)
    {
        foreach (var chunk in chunks)
        {
            await PublishChunkAsync(chunk, live: false, cancellationToken).ConfigureAwait(false);
        }
        if (!await _lease.RecordPublishedAsync(newest, newest - _options.RetainPublished).ConfigureAwait(false))
        {
            return false;
        }
        Interlocked.Exchange(ref _lastPublishedId, newest);
        _metrics.Published(count);
        return true;
    }

    private static async Task SettleQuietlyAsync(Task<bool>? durable)
    {
        if (durable is null)
        {
            return;
        }
        try
        {
            await durable.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Its failure is the lane's: the caller retries from the last recorded id either way.
        }
    }

    private async Task PublishChunkAsync(ChatEventPublished[] chunk, bool live, CancellationToken cancellationToken)
    {
        // Continue the trace of the action that committed the chunk's first event (with links to the others'): then
        // MassTransit's send span and every consumer's span join that trace, and a quiet system, where each action's
        // event travels alone, shows one message as one trace end to end. Consumers continue every other event's own
        // trace from its stored traceparent, and RecordHops puts the hop into each of those traces once confirmed.
        using var activity = ChatTelemetry.StartFromTraceParent("outbox publish", ActivityKind.Producer, chunk[0].TraceParent, LinksOf(chunk));
        if (activity is not null)
        {
            activity.SetTag("chatmesh.event_id", chunk[0].Id);
            activity.SetTag("chatmesh.event_type", chunk[0].Type);
            activity.SetTag("chatmesh.room", chunk[0].Room);
            activity.SetTag("chatmesh.event_count", chunk.Length);
            activity.SetTag("chatmesh.last_event_id", chunk[^1].Id);
            activity.SetTag("chatmesh.lane", live ? "live" : "durable");
        }
        var started = activity?.StartTimeUtc;
        if (live)
        {
            // Only transient per-instance queues take the live copy: persisting it would buy nothing.
            await Bounded(bus.Publish(new LiveEventBatchPublished(chunk), static context => context.Durable = false, cancellationToken), cancellationToken).ConfigureAwait(false);
            _metrics.EventsConfirmed(chunk, live: true, time.GetUtcNow());
            // One per run of events, counted when it goes live (its durable copy follows and is not counted again).
            _metrics.MessagePublished();
        }
        else
        {
            await Bounded(bus.Publish(new ChatEventBatchPublished(chunk), cancellationToken), cancellationToken).ConfigureAwait(false);
            _metrics.EventsConfirmed(chunk, live: false, time.GetUtcNow());
        }
        RecordHops(chunk, activity, started, live);
    }

    /// <summary>
    /// The bus hop in the trace of every other event of a confirmed chunk: a busy outbox carries one action's event in
    /// another action's bus message, and that action's trace must still show its hop. One span per event, from the
    /// chunk's publish to its confirm, linked to the publish span (which is in the first event's trace). Per event,
    /// not per recipient; none when nothing listens.
    /// </summary>
    private static void RecordHops(ChatEventPublished[] chunk, Activity? publish, DateTime? started, bool live)
    {
        if (publish is null || started is null || chunk.Length == 1)
        {
            return;
        }
        var current = Activity.Current;
        ActivityLink[] link = [new(publish.Context)];
        try
        {
            for (var i = 1; i < chunk.Length; i++)
            {
                if (string.IsNullOrEmpty(chunk[i].TraceParent)
                    || !ActivityContext.TryParse(chunk[i].TraceParent, null, out var parent)
                    || parent.TraceId == publish.TraceId)
                {
                    continue;
                }
                using var hop = ChatTelemetry.Source.StartActivity("outbox publish", ActivityKind.Producer, parent, links: link, startTime: started.Value);
                if (hop is not null)
                {
                    hop.SetTag("chatmesh.event_id", chunk[i].Id);
                    hop.SetTag("chatmesh.event_type", chunk[i].Type);
                    hop.SetTag("chatmesh.room", chunk[i].Room);
                    hop.SetTag("chatmesh.event_count", chunk.Length);
                    hop.SetTag("chatmesh.batch_event_id", chunk[0].Id);
                    hop.SetTag("chatmesh.lane", live ? "live" : "durable");
                }
            }
        }
        finally
        {
            // A span started from a stored context has no parent object to make current again when it stops.
            Activity.Current = current;
        }
    }

    // A publish caught by a broker restart may never complete: give it up (TimeoutException: the lanes restart from the
    // recorded id) rather than hold the lease while nothing is published. If it completes after all, its events arrive
    // twice and consumers drop the second copy.
    private Task Bounded(Task publish, CancellationToken cancellationToken) =>
        publish.WaitAsync(_options.PublishTimeout, time, cancellationToken);

    /// <summary>Splits a read batch into runs whose JSON adds up to at most <paramref name="maxBytes"/> (at least one event each).</summary>
    internal static IEnumerable<ChatEventPublished[]> Chunk(List<ChatEventPublished> batch, int maxBytes)
    {
        var start = 0;
        var bytes = 0L;
        for (var i = 0; i < batch.Count; i++)
        {
            var size = batch[i].Json.Length;
            if (i > start && bytes + size > maxBytes)
            {
                yield return batch.GetRange(start, i - start).ToArray();
                start = i;
                bytes = 0;
            }
            bytes += size;
        }
        if (start < batch.Count)
        {
            yield return batch.GetRange(start, batch.Count - start).ToArray();
        }
    }

    private static IEnumerable<ActivityLink>? LinksOf(ChatEventPublished[] chunk)
    {
        if (chunk.Length == 1 || !ChatTelemetry.Source.HasListeners())
        {
            return null;
        }
        var links = new List<ActivityLink>(Math.Min(chunk.Length - 1, MaxLinks));
        for (var i = 1; i < chunk.Length && links.Count < MaxLinks; i++)
        {
            if (!string.IsNullOrEmpty(chunk[i].TraceParent) && ActivityContext.TryParse(chunk[i].TraceParent, null, out var context))
            {
                links.Add(new ActivityLink(context));
            }
        }
        return links;
    }

    private bool LeaseStillValid() => time.GetUtcNow().UtcTicks < Volatile.Read(ref _leaseValidUntilTicks);

    private async Task UpdateLagAsync()
    {
        try
        {
            var head = await redis.GetDatabase().StringGetAsync(OutboxKeys.Sequence).ConfigureAwait(false);
            _metrics.SetLag(head.IsNull ? 0 : (long)head - LastPublishedId);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogLeaseUnavailable(exception);
        }
    }

    private async Task ReleaseQuietlyAsync()
    {
        try
        {
            await _lease.ReleaseAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogLeaseUnavailable(exception);
        }
    }

    private async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string NewInstanceId() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox lease acquired by {InstanceId}; publishing")]
    private partial void LogLeaseAcquired(string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox lease of {InstanceId} ended; publishing stopped")]
    private partial void LogLeaseEnded(string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox lease could not be checked")]
    private partial void LogLeaseUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox publish failed after id {LastPublishedId}; retrying")]
    private partial void LogPublishFailed(Exception exception, long lastPublishedId);
}
