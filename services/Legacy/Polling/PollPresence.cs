using System.Collections.Concurrent;
using ChatMesh.Chat.Presence;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// Makes long-poll users present like everyone else: an event queue is one of its user's connections in the shared
/// presence registry, kept alive by the client's polls (<see cref="LegacyOptions.PresenceTimeout"/>) and ended by
/// DELETE. Each instance touches a queue's entry at most every third of the timeout, so steady polling costs Redis
/// almost nothing; a failure here is logged and never fails the poll.
/// </summary>
public sealed partial class PollPresence(
    ConnectionRegistry registry, IOptions<LegacyOptions> options, TimeProvider time, ILogger<PollPresence> logger)
{
    private readonly ConcurrentDictionary<string, long> _touched = new(StringComparer.Ordinal);
    private long _lastPrune;

    /// <summary>The queue was registered or polled: its user is online for another <see cref="LegacyOptions.PresenceTimeout"/>.</summary>
    public async Task SeenAsync(string user, string queueId, CancellationToken cancellationToken)
    {
        var timeout = options.Value.PresenceTimeout;
        var now = time.GetTimestamp();
        if (_touched.TryGetValue(queueId, out var last) && time.GetElapsedTime(last, now) < timeout / 3)
        {
            return;
        }

        try
        {
            await registry.TouchAsync(user, ConnectionId(queueId), timeout, cancellationToken);
            _touched[queueId] = now;
            Prune(now, timeout);
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

    // Forget queues not seen for a whole timeout (expired or polled elsewhere), at most once per timeout.
    private void Prune(long now, TimeSpan timeout)
    {
        var last = Interlocked.Read(ref _lastPrune);
        if (time.GetElapsedTime(last, now) < timeout || Interlocked.CompareExchange(ref _lastPrune, now, last) != last)
        {
            return;
        }

        foreach (var (queueId, touched) in _touched)
        {
            if (time.GetElapsedTime(touched, now) >= timeout)
            {
                _touched.TryRemove(queueId, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of event queue {QueueId} could not be updated")]
    private partial void LogPresenceFailed(Exception exception, string queueId);
}
