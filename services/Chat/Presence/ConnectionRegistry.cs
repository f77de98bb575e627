using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Presence;

/// <summary>
/// Every open connection (any channel, any instance) registered in Redis with an expiry this instance keeps
/// refreshing. It enforces the per-user connection cap and derives presence: a user's first connection makes them
/// online, their last one closing — or their instance crashing and the expiry passing — makes them offline.
/// </summary>
public sealed partial class ConnectionRegistry(
    IConnectionMultiplexer redis,
    IOptions<PresenceOptions> options,
    TimeProvider time,
    PresenceAnnouncer announcer,
    ILogger<ConnectionRegistry> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, string> _open = new(StringComparer.Ordinal);

    /// <summary>Registers a connection, or returns null when the user already holds <paramref name="maxPerUser"/>.</summary>
    public async Task<ConnectionLease?> TryOpenAsync(string user, string connectionId, int maxPerUser, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var before = (long)await PresenceScripts.Open.EvaluateAsync(redis.GetDatabase(), new
        {
            key = PresenceScripts.UserKey(user),
            index = (RedisKey)PresenceScripts.IndexKey,
            now = now.ToUnixTimeMilliseconds(),
            expiry = (now + options.Value.ConnectionTtl).ToUnixTimeMilliseconds(),
            max = maxPerUser,
            connection = connectionId,
            user,
        });
        if (before < 0)
        {
            return null;
        }

        _open[connectionId] = user;
        if (before == 0)
        {
            await announcer.AnnounceAsync(user, PresenceStatus.Online, cancellationToken);
        }

        return new ConnectionLease(this, user, connectionId);
    }

    /// <summary>
    /// Registers or extends a connection that no instance holds open, such as a long-poll event queue: it counts until
    /// <paramref name="ttl"/> passes without another touch (then the sweep makes its user offline) or until
    /// <see cref="ReleaseAsync"/>. Not subject to a per-user cap. The user's first live connection announces them online.
    /// </summary>
    public async Task TouchAsync(string user, string connectionId, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var before = (long)await PresenceScripts.Open.EvaluateAsync(redis.GetDatabase(), new
        {
            key = PresenceScripts.UserKey(user),
            index = (RedisKey)PresenceScripts.IndexKey,
            now = now.ToUnixTimeMilliseconds(),
            expiry = (now + ttl).ToUnixTimeMilliseconds(),
            max = int.MaxValue,
            connection = connectionId,
            user,
        });
        if (before == 0)
        {
            await announcer.AnnounceAsync(user, PresenceStatus.Online, cancellationToken);
        }
    }

    /// <summary>Removes a connection registered with <see cref="TouchAsync"/>; the user's last one announces them offline.</summary>
    public Task ReleaseAsync(string user, string connectionId) => CloseAsync(user, connectionId);

    /// <summary>Which of these users have at least one live connection anywhere.</summary>
    public async Task<IReadOnlyList<string>> OnlineAsync(IEnumerable<string> users, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var checks = users.Distinct(StringComparer.Ordinal)
            .Select(user => (user, count: database.SortedSetLengthAsync(PresenceScripts.UserKey(user), now, double.PositiveInfinity, Exclude.Start)))
            .ToList();
        List<string> online = [];
        foreach (var (user, count) in checks)
        {
            if (await count.WaitAsync(cancellationToken) > 0)
            {
                online.Add(user);
            }
        }

        return online;
    }

    internal async Task CloseAsync(string user, string connectionId)
    {
        _open.TryRemove(connectionId, out _);
        var after = (long)await PresenceScripts.Close.EvaluateAsync(redis.GetDatabase(), new
        {
            key = PresenceScripts.UserKey(user),
            index = (RedisKey)PresenceScripts.IndexKey,
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            connection = connectionId,
            user,
        });
        if (after == 0)
        {
            await announcer.AnnounceAsync(user, PresenceStatus.Offline, CancellationToken.None);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.RefreshInterval < settings.SweepInterval ? settings.RefreshInterval : settings.SweepInterval, time);
        var lastRefresh = time.GetTimestamp();
        var lastSweep = lastRefresh;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (time.GetElapsedTime(lastRefresh) >= settings.RefreshInterval)
                {
                    lastRefresh = time.GetTimestamp();
                    await RefreshAsync(settings);
                }

                if (time.GetElapsedTime(lastSweep) >= settings.SweepInterval)
                {
                    lastSweep = time.GetTimestamp();
                    await SweepAsync(stoppingToken);
                }
            }
            catch (RedisException ex)
            {
                LogPresenceFailed(logger, ex);
            }
        }
    }

    private async Task RefreshAsync(PresenceOptions settings)
    {
        // One script per few hundred connections instead of one per connection: at 10,000 idle connections that is
        // 20 round trips per refresh, not 10,000.
        var database = redis.GetDatabase();
        RedisKey[] index = [PresenceScripts.IndexKey];
        var expiry = (RedisValue)(time.GetUtcNow() + settings.ConnectionTtl).ToUnixTimeMilliseconds();
        var refreshes = new List<Task>();
        foreach (var chunk in _open.Chunk(PresenceScripts.RefreshBatch))
        {
            var arguments = new RedisValue[1 + (chunk.Length * 2)];
            arguments[0] = expiry;
            for (var i = 0; i < chunk.Length; i++)
            {
                arguments[1 + (i * 2)] = chunk[i].Value;
                arguments[2 + (i * 2)] = chunk[i].Key;
            }
            refreshes.Add(database.ScriptEvaluateAsync(PresenceScripts.RefreshMany, index, arguments));
        }
        await Task.WhenAll(refreshes);
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var offline = (RedisResult[]?)await PresenceScripts.Sweep.EvaluateAsync(redis.GetDatabase(), new
        {
            index = (RedisKey)PresenceScripts.IndexKey,
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
        }) ?? [];
        foreach (var user in offline)
        {
            await announcer.AnnounceAsync((string)user!, PresenceStatus.Offline, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence refresh or sweep failed; retrying on the next tick")]
    private static partial void LogPresenceFailed(ILogger logger, Exception exception);
}

/// <summary>One registered connection; disposing it unregisters the connection (and may make its user offline).</summary>
public sealed class ConnectionLease(ConnectionRegistry registry, string user, string connectionId) : IAsyncDisposable
{
    public string User { get; } = user;

    public string ConnectionId { get; } = connectionId;

    public async ValueTask DisposeAsync() => await registry.CloseAsync(User, ConnectionId);
}
