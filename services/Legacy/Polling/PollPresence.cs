using System.Collections.Concurrent;
using ChatMesh.Chat.Presence;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// Makes long-poll users present like everyone else: an event queue is one of its user's connections in the shared
/// presence registry, kept alive by the client's polls (<see cref="LegacyOptions.PresenceTimeout"/> past the end of the
/// poll's hold) and ended by DELETE. An instance touches a queue's entry only when what it last wrote would run out less
/// than a third of the timeout after this poll's hold ends, so a client re-polling after each 30 s heartbeat costs one
/// registry write every other poll, and a busy one (a poll a second) one every ~40 s; a failure here is logged and never
/// fails the poll.
/// </summary>
public sealed partial class PollPresence(
    ConnectionRegistry registry, IOptions<LegacyOptions> options, TimeProvider time, ILogger<PollPresence> logger)
{
    private readonly ConcurrentDictionary<string, long> _touched = new(StringComparer.Ordinal);
    private long _lastPrune;

    /// <summary>
    /// The queue was registered or polled (held up to <paramref name="hold"/>): its user is online until
    /// <see cref="LegacyOptions.PresenceTimeout"/> after that hold ends (at least a third of it, as what was written last runs out).
    /// </summary>
    public async Task SeenAsync(string user, string queueId, TimeSpan hold, CancellationToken cancellationToken)
    {
        var timeout = options.Value.PresenceTimeout;
        var now = time.GetTimestamp();
        if (_touched.TryGetValue(queueId, out var until) && !IsDue(until, now, hold, timeout, time.TimestampFrequency))
        {
            return;
        }

        try
        {
            await registry.TouchAsync(user, ConnectionId(queueId), hold + timeout, cancellationToken);
            // What was written, in this instance's timestamps: the entry lasts until then.
            _touched[queueId] = now + Ticks(hold + timeout, time.TimestampFrequency);
            Prune(now);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogPresenceFailed(exception, queueId);
        }
    }

    /// <summary>The queue was deleted: it no longer keeps its user online.</summary>
    public async Task GoneAsync(string user, string queueId)
    {
        _touched.TryRemove(queueId, out _);
        try
        {
            await registry.ReleaseAsync(user, ConnectionId(queueId));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogPresenceFailed(exception, queueId);
        }
    }

    private static string ConnectionId(string queueId) => "poll:" + queueId;

    /// <summary>
    /// Whether an entry written to last until <paramref name="until"/> (a timestamp) must be rewritten for a poll at
    /// <paramref name="now"/> held up to <paramref name="hold"/>: it would run out less than a third of the timeout after
    /// the hold ends.
    /// </summary>
    internal static bool IsDue(long until, long now, TimeSpan hold, TimeSpan timeout, long frequency) =>
        until < now + Ticks(hold + (timeout / 3), frequency);

    private static long Ticks(TimeSpan span, long frequency) => (long)(span.TotalSeconds * frequency);

    // Forget entries that ran out (queues expired or polled elsewhere), at most once per timeout.
    private void Prune(long now)
    {
        var last = Interlocked.Read(ref _lastPrune);
        if (time.GetElapsedTime(last, now) < options.Value.PresenceTimeout || Interlocked.CompareExchange(ref _lastPrune, now, last) != last)
        {
            return;
        }

        foreach (var (queueId, until) in _touched)
        {
            if (until <= now)
            {
                _touched.TryRemove(queueId, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of event queue {QueueId} could not be updated")]
    private partial void LogPresenceFailed(Exception exception, string queueId);
}
