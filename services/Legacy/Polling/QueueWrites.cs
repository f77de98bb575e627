using System.Runtime.InteropServices;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// Writes what held polls started without the queue script owe Redis, many queues per round trip
/// (<see cref="EventQueueScripts.Flush"/>): held-poll leases taken (against the cap) and given back, acknowledgements,
/// expiry refreshes. One flush
/// at a time; whatever is queued meanwhile goes in the next, so a batch grows with the load and an idle instance writes
/// at once. A queue waits in at most one batch whatever it owes. A re-poll holds once the flush with its lease and its
/// acknowledgement is written, so the cap holds and the cursor is durable before anything after it is handed out; an
/// answer is written once the flush that gives its lease back is, so the client's next poll finds the slot free.
/// </summary>
internal sealed partial class QueueWrites(
    IConnectionMultiplexer redis, IOptions<LegacyOptions> options, TimeProvider time, ILogger<QueueWrites> logger)
{
    // Records per script call, so one call never blocks Redis for long; a batch's calls are pipelined.
    private const int RecordsPerCall = 500;
    private const int FieldsPerRecord = 5;

    private readonly Lock _gate = new();
    private List<LocalQueue> _pending = [];

    // One flush at a time (FlushLoopAsync), so its records are gathered in the same two lists every time: a flush then
    // allocates one argument array per script call, not lists regrown and copied for every batch (at 10,000 re-polls a
    // second they were a sixth of the service's allocations: docs/benchmarks.md, poll12).
    private readonly List<RedisValue> _releases = [];
    private readonly List<RedisValue> _records = [];
    private TaskCompletionSource _next = NewFlush();
    private bool _flushing;

    /// <summary>Queues what <paramref name="queue"/> owes; the task completes when it is in Redis (or fails with the write).</summary>
    public Task Enqueue(LocalQueue queue)
    {
        lock (_gate)
        {
            if (!queue.QueuedForWrite)
            {
                queue.QueuedForWrite = true;
                _pending.Add(queue);
            }

            if (!_flushing)
            {
                _flushing = true;
                _ = Task.Run(FlushLoopAsync);
            }

            return _next.Task;
        }
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            List<LocalQueue> batch;
            TaskCompletionSource done;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                (batch, _pending) = (_pending, []);
                (done, _next) = (_next, NewFlush());
                foreach (var queue in batch)
                {
                    queue.QueuedForWrite = false;
                }
            }

            try
            {
                await WriteAsync(batch);
                done.TrySetResult();
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                LogFlushFailed(exception, batch.Count);
                // What Redis holds is unknown now: each queue's next poll starts with the queue script again.
                batch.ForEach(static queue => queue.MarkStale());
                done.TrySetException(exception);
            }
        }
    }

    private async Task WriteAsync(List<LocalQueue> batch)
    {
        var settings = options.Value;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Leases given back first, so their slots are free for the leases the same batch takes.
        var releases = _releases;
        var records = _records;
        releases.Clear();
        records.Clear();
        var acks = new long[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            acks[i] = batch[i].TakeWrites(now, releases, records);
        }

        var total = releases.Count + records.Count;
        var header = new RedisValue[]
        {
            now,
            (long)settings.ExpiredQueueMemory.TotalMilliseconds,
            (long)(settings.QueueIdleTimeout + settings.MaxPollTimeout).TotalMilliseconds + 1000,
            settings.MaxHeldPollsPerUser,
        };
        var db = redis.GetDatabase();
        var calls = new List<Task<RedisResult>>();
        for (var start = 0; start < total; start += RecordsPerCall * FieldsPerRecord)
        {
            var count = Math.Min(RecordsPerCall * FieldsPerRecord, total - start);
            var values = new RedisValue[header.Length + count];
            header.CopyTo(values, 0);
            CopyRecords(releases, records, start, values.AsSpan(header.Length, count));
            calls.Add(db.ScriptEvaluateAsync(EventQueueScripts.Flush, keys: null, values: values, EventQueueStore.QueueFlags));
        }

        HashSet<string>? gone = null;
        HashSet<string>? refused = null;
        foreach (var call in calls)
        {
            var result = (RedisResult[])(await call)!;
            foreach (var id in (string[])result[0]!)
            {
                (gone ??= new HashSet<string>(StringComparer.Ordinal)).Add(id);
            }

            foreach (var id in (string[])result[1]!)
            {
                (refused ??= new HashSet<string>(StringComparer.Ordinal)).Add(id);
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Written(acks[i]);
            if (refused?.Contains(batch[i].Id) == true)
            {
                batch[i].LeaseRefused();
            }

            if (gone?.Contains(batch[i].Id) == true)
            {
                // Deleted or expired: the next poll learns which from the queue script.
                batch[i].MarkStale();
            }
        }
    }

    /// <summary>Copies <paramref name="into"/>.Length values from <paramref name="start"/> of the releases followed by the records.</summary>
    private static void CopyRecords(List<RedisValue> releases, List<RedisValue> records, int start, Span<RedisValue> into)
    {
        var released = CollectionsMarshal.AsSpan(releases);
        var fromReleases = Math.Clamp(released.Length - start, 0, into.Length);
        released.Slice(Math.Min(start, released.Length), fromReleases).CopyTo(into);
        CollectionsMarshal.AsSpan(records).Slice(Math.Max(start - released.Length, 0), into.Length - fromReleases).CopyTo(into[fromReleases..]);
    }

    private static TaskCompletionSource NewFlush() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the acknowledgements and leases of {Count} event queues failed")]
    private partial void LogFlushFailed(Exception exception, int count);
}
