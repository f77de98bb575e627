using System.Globalization;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// Confirms that this process's writes reached <see cref="ChatDurabilityOptions.Replicas"/> Redis replicas before they
/// are acknowledged. One <c>INCR</c> of <see cref="MarkerKey"/> then <c>WAIT numreplicas timeout</c> on the multiplexer's
/// connection covers every write the primary had applied before the <c>INCR</c> (every commit whose reply came back
/// before it was sent, and whatever a duplicate reply vouches for), so concurrent commits share one (group commit):
/// at most one <c>WAIT</c> is outstanding, and the commits that arrive meanwhile share the next. <c>WAIT</c> blocks the
/// connection for its round trip; other commands queue behind it for that time.
/// A write is confirmed only if the connection it was sent on is still the one the <c>WAIT</c> ran on: after a
/// reconnect or a switch of primary (a failover), a <c>WAIT</c> on the new primary says nothing about a write the old
/// one took.
/// </summary>
public sealed class ReplicaBarrier
{
    /// <summary>More replicas than any sane topology has.</summary>
    public const int MaxReplicas = 16;

    /// <summary>The counter each confirmation increments before its <c>WAIT</c> (see <see cref="WaitOnceAsync"/>).</summary>
    public const string MarkerKey = "chat:replica-barrier";

    private readonly IConnectionMultiplexer _redis;
    private readonly ChatDurabilityOptions _options;
    private readonly Lock _gate = new();
    private TaskCompletionSource? _next;
    private bool _running;
    private long _generation;

    public ReplicaBarrier(IConnectionMultiplexer redis, ChatDurabilityOptions options)
    {
        _redis = redis;
        _options = options;
        // A failed, restored or re-pointed connection (Sentinel's switch to a new primary) may put the WAIT on another
        // server than the commit: any of them voids the confirmation of the writes sent before it.
        redis.ConnectionFailed += (_, _) => Interlocked.Increment(ref _generation);
        redis.ConnectionRestored += (_, _) => Interlocked.Increment(ref _generation);
        redis.ConfigurationChanged += (_, _) => Interlocked.Increment(ref _generation);
    }

    /// <summary>Read before sending a write; hand it to <see cref="ConfirmAsync"/> once the write's reply came back.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// Completes once every write this process had replies for is on enough replicas and no connection failed since
    /// <paramref name="generation"/>; throws <see cref="ReplicationTimeoutException"/> otherwise.
    /// </summary>
    public async Task ConfirmAsync(long generation)
    {
        await JoinAsync().ConfigureAwait(false);
        if (Generation != generation)
        {
            throw new ReplicationTimeoutException(
                "The connection to the Redis primary failed before the write was confirmed on its replicas; it is not acknowledged.");
        }
    }

    private Task JoinAsync()
    {
        TaskCompletionSource batch;
        lock (_gate)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            batch = _next;
            if (_running)
            {
                return batch.Task;
            }

            _running = true;
        }

        _ = DrainAsync();
        return batch.Task;
    }

    /// <summary>Sends one <c>WAIT</c> per batch of joined commits until no commit is waiting.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            TaskCompletionSource? batch;
            lock (_gate)
            {
                batch = _next;
                _next = null;
                if (batch is null)
                {
                    _running = false;
                    return;
                }
            }

            try
            {
                await WaitOnceAsync().ConfigureAwait(false);
                batch.TrySetResult();
            }
            catch (Exception ex)
            {
                batch.TrySetException(ex);
            }
        }
    }

    private async Task WaitOnceAsync()
    {
        var timeout = (long)_options.ReplicaTimeout.TotalMilliseconds;
        var db = _redis.GetDatabase();
        // WAIT covers this connection's last write only. A commit that wrote nothing (a retry answered duplicate, a
        // no-op) confirms state another connection or process wrote, maybe not replicated yet: one tiny write per batch,
        // sent just before the WAIT, covers everything the primary had applied when it ran.
        var marker = db.StringIncrementAsync(MarkerKey, flags: CommandFlags.DemandMaster);
        var result = await db.ExecuteAsync("WAIT", [_options.Replicas, timeout], CommandFlags.DemandMaster).ConfigureAwait(false);
        await marker.ConfigureAwait(false);
        var confirmed = (long)result;
        if (confirmed < _options.Replicas)
        {
            throw new ReplicationTimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"The write reached {confirmed} of {_options.Replicas} Redis replicas within {timeout} ms; it is not acknowledged."));
        }
    }
}

/// <summary>A write committed on the Redis primary that too few replicas confirmed: not acknowledged (retry with the same key).</summary>
public sealed class ReplicationTimeoutException(string message) : TimeoutException(message);
