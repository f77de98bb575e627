using ChatMesh.Chat.EventLog;
using StackExchange.Redis;

namespace ChatMesh.Chat.Attachments;

/// <summary>What a sweep decided about one blob.</summary>
public enum BlobVerdict
{
    /// <summary>No longer indexed (another sweep took it).</summary>
    Gone,

    /// <summary>Claimed or found live within the grace period: not looked at.</summary>
    Young,

    /// <summary>An attachment that may still be shown references it: kept (and looked at again after the grace period).</summary>
    Live,

    /// <summary>Nothing references it: removed from the index and held as deleting; delete the bytes, then <see cref="BlobIndex.ReleaseAsync"/>.</summary>
    Condemned,
}

/// <summary>
/// Which blobs of the <see cref="IAttachmentStore"/> are still referenced. Content addressing means one blob can serve
/// several attachments, so bytes are deleted only when no attachment that could still be shown references them: a pending
/// upload (until it expires), or one whose message is in history and not deleted. An upload claims its blob before it
/// writes the bytes (<see cref="ClaimAsync"/>), and a sweep only condemns blobs unclaimed for the grace period, so a new
/// upload of the same content never races a deletion: while the bytes are being deleted, the claim waits.
/// </summary>
public sealed class BlobIndex(IConnectionMultiplexer redis, TimeProvider time)
{
    // ARGV: 1 sha, 2 now ms. 1 when claimed; 0 while a sweep is deleting the blob's bytes.
    private const string ClaimScript = """
        local sha, now = ARGV[1], tonumber(ARGV[2])
        local deleting = redis.call('HGET', KEYS[2], sha)
        if deleting and tonumber(deleting) > now then return 0 end
        if deleting then redis.call('HDEL', KEYS[2], sha) end
        redis.call('ZADD', KEYS[1], now, sha)
        return 1
        """;

    // ARGV: 1 sha, 2 now ms, 3 grace ms, 4 deletion lease ms. A reference is live when its attachment still exists with this
    // hash and is pending or referenced by a message that is in history and not deleted (what Find shows).
    private const string SweepScript = """
        local sha, now, grace, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local score = redis.call('ZSCORE', KEYS[1], sha)
        if not score then return 'gone' end
        if tonumber(score) > now - grace then return 'young' end
        local refs = KEYS[2] .. sha
        for _, ref in ipairs(redis.call('SMEMBERS', refs)) do
          local sp = string.find(ref, ' ', 1, true)
          local r, id = string.sub(ref, 1, sp - 1), string.sub(ref, sp + 1)
          local att = KEYS[4] .. r .. ':att:' .. id
          local a = redis.call('HMGET', att, 'h', 'm')
          local live = false
          if a[1] == sha then
            if not a[2] then
              live = true
            else
              local m = redis.call('HMGET', KEYS[4] .. r .. ':msg:' .. a[2], 'a', 'd')
              live = m[1] and m[2] ~= '1'
              -- A deleted message (or one gone from history) never shows its files again: forget the attachment too.
              if not live then redis.call('DEL', att) end
            end
          end
          if live then
            redis.call('ZADD', KEYS[1], now, sha)
            return 'live'
          end
          redis.call('SREM', refs, ref)
        end
        redis.call('ZREM', KEYS[1], sha)
        redis.call('DEL', refs)
        redis.call('HSET', KEYS[3], sha, now + lease)
        return 'condemned'
        """;

    private static readonly RedisKey[] Keys = [ChatKeys.Blobs.Index, ChatKeys.Blobs.RefsPrefix, ChatKeys.Blobs.Deleting, ChatKeys.RoomPrefix];

    private IDatabase Db => redis.GetDatabase();

    /// <summary>How long a claim waits for a sweep that is deleting the same bytes before it gives up.</summary>
    public TimeSpan ClaimWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Marks the blob as in use now, before its bytes are written: a sweep leaves it alone for the grace period, which must
    /// be longer than an upload takes from here to its registration. Waits while a sweep is deleting these bytes.
    /// </summary>
    public async Task ClaimAsync(string sha256, CancellationToken cancellationToken)
    {
        ContentAddress.Require(sha256);
        var deadline = time.GetUtcNow() + ClaimWait;
        while ((long)await Db.ScriptEvaluateAsync(ClaimScript, Keys, [sha256, Now()]).ConfigureAwait(false) == 0)
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"The blob {sha256} is still being deleted by a sweep after {ClaimWait}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Up to <paramref name="max"/> blobs not claimed or found live for <paramref name="grace"/>, oldest first.</summary>
    public async Task<IReadOnlyList<string>> CandidatesAsync(TimeSpan grace, int max)
    {
        var values = await Db.SortedSetRangeByScoreAsync(ChatKeys.Blobs.Index, double.NegativeInfinity, Now() - (long)grace.TotalMilliseconds,
            take: max).ConfigureAwait(false);
        return [.. values.Select(value => value.ToString())];
    }

    /// <summary>Decides about one blob, atomically; <see cref="BlobVerdict.Condemned"/> means its bytes must now be deleted.</summary>
    public async Task<BlobVerdict> SweepAsync(string sha256, TimeSpan grace, TimeSpan lease)
    {
        var verdict = (string?)await Db.ScriptEvaluateAsync(SweepScript, Keys,
            [sha256, Now(), (long)grace.TotalMilliseconds, (long)lease.TotalMilliseconds]).ConfigureAwait(false);
        return verdict switch
        {
            "young" => BlobVerdict.Young,
            "live" => BlobVerdict.Live,
            "condemned" => BlobVerdict.Condemned,
            _ => BlobVerdict.Gone,
        };
    }

    /// <summary>After a condemned blob's bytes are deleted: uploads of the same content may claim it again.</summary>
    public Task ReleaseAsync(string sha256) => Db.HashDeleteAsync(ChatKeys.Blobs.Deleting, sha256);

    /// <summary>Takes the sweep lock for <paramref name="hold"/> when no other instance holds it.</summary>
    public Task<bool> TryLockSweepAsync(string owner, TimeSpan hold) =>
        Db.StringSetAsync(ChatKeys.Blobs.SweepLock, owner, hold, When.NotExists);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
