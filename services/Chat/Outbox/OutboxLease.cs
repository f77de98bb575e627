using System.Globalization;
using StackExchange.Redis;

namespace ChatMesh.Chat.Outbox;

/// <summary>
/// The Redis lease that makes exactly one instance the outbox publisher: <c>SET NX PX</c> to take it, compare-and-set to
/// renew, release and record progress, so an instance that lost the lease can neither extend it nor move progress.
/// </summary>
public sealed class OutboxLease(IConnectionMultiplexer redis, string instanceId, TimeSpan duration)
{
    // KEYS[1] lease; ARGV[1] instance, ARGV[2] duration ms.
    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """;

    // KEYS[1] lease; ARGV[1] instance.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    // KEYS[1] lease, KEYS[2] published, KEYS[3] outbox; ARGV[1] instance, ARGV[2] last published id, ARGV[3] trim min id (0: none).
    // Fenced by the lease so a deposed leader cannot move progress, and monotonic so a late write cannot move it back.
    private const string RecordScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return 0
        end
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        if tonumber(ARGV[2]) > current then
          redis.call('SET', KEYS[2], ARGV[2])
        end
        if ARGV[3] ~= '0' then
          redis.call('XTRIM', KEYS[3], 'MINID', '~', ARGV[3])
        end
        return 1
        """;

    private static readonly RedisKey[] LeaseKey = [OutboxKeys.Lease];
    private static readonly RedisKey[] RecordKeys = [OutboxKeys.Lease, OutboxKeys.Published, OutboxKeys.Stream];

    private readonly long _durationMs = (long)duration.TotalMilliseconds;

    public string InstanceId => instanceId;

    public Task<bool> TryAcquireAsync() =>
        redis.GetDatabase().StringSetAsync(OutboxKeys.Lease, instanceId, duration, When.NotExists);

    public async Task<bool> TryRenewAsync()
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(RenewScript, LeaseKey, [instanceId, _durationMs]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public Task ReleaseAsync() =>
        redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, LeaseKey, [instanceId]);

    /// <summary>Records <paramref name="publishedId"/> as published and trims the outbox below <paramref name="trimBelowId"/>; false if the lease is lost.</summary>
    public async Task<bool> RecordPublishedAsync(long publishedId, long trimBelowId)
    {
        var trim = trimBelowId > 0 ? OutboxEntries.StreamId(trimBelowId) : "0";
        var result = await redis.GetDatabase().ScriptEvaluateAsync(
            RecordScript, RecordKeys, [instanceId, publishedId.ToString(CultureInfo.InvariantCulture), trim]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The last published id recorded by any leader (0 before the first).</summary>
    public async Task<long> ReadPublishedAsync()
    {
        var value = await redis.GetDatabase().StringGetAsync(OutboxKeys.Published).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }
}
