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

    // KEYS: the backfill marker, then the attachment keys of one scan step. ARGV: 1 now ms, 2 the scan's next cursor.
    // Records each attachment as a reference of its blob and indexes the blob, as an upload does (AttachmentScripts.Add;
    // NX: an indexed blob keeps its score), then saves the cursor, all in one step: a crash redoes at most this step. A
    // step of an instance that read the phase before another finished it does nothing (the phases only move forward).
    private const string ReferenceScript = """
        local now, added = tonumber(ARGV[1]), 0
        if redis.call('HGET', KEYS[1], 'phase') ~= 'refs' then return 0 end
        for i = 2, #KEYS do
          local r, id = string.match(KEYS[i], '^__ROOM__(.+):att:([^:]+)$')
          if r and redis.call('TYPE', KEYS[i]).ok == 'hash' then
            local sha = redis.call('HGET', KEYS[i], 'h')
            if sha then
              added = added + redis.call('SADD', '__REFS__' .. sha, r .. ' ' .. id)
              redis.call('ZADD', '__INDEX__', 'NX', now, sha)
            end
          end
        end
        redis.call('HINCRBY', KEYS[1], 'refs', added)
        if ARGV[2] == '0' then
          redis.call('HSET', KEYS[1], 'phase', 'store', 'cursor', '0')
        else
          redis.call('HSET', KEYS[1], 'cursor', ARGV[2])
        end
        return added
        """;

    // KEYS: the backfill marker. ARGV: 1 now ms, 2.. stored hashes of one page, in order (none: the listing is done). Indexes
    // those the index lacks (not one being deleted), now, so they are judged after the grace period like any blob.
    private const string StoredScript = """
        local now, indexed = tonumber(ARGV[1]), 0
        if redis.call('HGET', KEYS[1], 'phase') ~= 'store' then return 0 end
        for i = 2, #ARGV do
          if not redis.call('ZSCORE', '__INDEX__', ARGV[i]) and redis.call('HEXISTS', '__DELETING__', ARGV[i]) == 0 then
            redis.call('ZADD', '__INDEX__', now, ARGV[i])
            indexed = indexed + 1
          end
        end
        redis.call('HINCRBY', KEYS[1], 'indexed', indexed)
        if #ARGV == 1 then
          redis.call('HSET', KEYS[1], 'phase', 'done', 'finished', now)
        else
          redis.call('HSET', KEYS[1], 'after', ARGV[#ARGV])
        end
        return indexed
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

    /// <summary>Where the one-time backfill of blobs stored before the index existed stands (starting it when it never ran).</summary>
    public async Task<BlobBackfillState> BackfillStateAsync()
    {
        var db = Db;
        if (await db.HashSetAsync(ChatKeys.Blobs.Backfill, "phase", "refs", When.NotExists).ConfigureAwait(false))
        {
            await db.HashSetAsync(ChatKeys.Blobs.Backfill, [new("cursor", "0"), new("started", Now())]).ConfigureAwait(false);
        }

        var fields = (await db.HashGetAllAsync(ChatKeys.Blobs.Backfill).ConfigureAwait(false))
            .ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString(), StringComparer.Ordinal);
        var phase = fields.GetValueOrDefault("phase") switch
        {
            "store" => BlobBackfillPhase.Store,
            "done" => BlobBackfillPhase.Done,
            _ => BlobBackfillPhase.References,
        };
        return new BlobBackfillState(phase, fields.GetValueOrDefault("cursor") ?? "0", NullIfEmpty(fields.GetValueOrDefault("after")),
            ParseLong(fields.GetValueOrDefault("refs")), ParseLong(fields.GetValueOrDefault("indexed")));
    }

    /// <summary>
    /// One step of rebuilding the references of attachments recorded before the index existed: up to about
    /// <paramref name="count"/> attachment keys from the scan's saved cursor (<c>SCAN … COUNT</c>). Returns how many
    /// references it added.
    /// </summary>
    public async Task<long> RebuildReferencesStepAsync(string cursor, int count)
    {
        var db = Db;
        var scan = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "MATCH", ChatKeys.RoomPrefix + "*:att:*", "COUNT", count)
            .ConfigureAwait(false))!;
        var next = (string)scan[0]!;
        RedisKey[] keys = [ChatKeys.Blobs.Backfill, .. ((RedisResult[])scan[1]!).Select(key => (RedisKey)(string)key!)];
        return (long)await db.ScriptEvaluateAsync(ReferenceStep, keys, [Now(), next]).ConfigureAwait(false);
    }

    /// <summary>One step of indexing stored blobs: a page of the store's listing (empty: the listing is done). Returns how many it indexed.</summary>
    public async Task<long> IndexStoredStepAsync(IReadOnlyList<string> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        RedisValue[] args = [Now(), .. page.Select(sha => (RedisValue)ContentAddress.Require(sha))];
        return (long)await Db.ScriptEvaluateAsync(StoredStep, [ChatKeys.Blobs.Backfill], args).ConfigureAwait(false);
    }

    /// <summary>Takes the sweep lock for <paramref name="hold"/> when no other instance holds it.</summary>
    public Task<bool> TryLockSweepAsync(string owner, TimeSpan hold) =>
        Db.StringSetAsync(ChatKeys.Blobs.SweepLock, owner, hold, When.NotExists);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    // The backfill scripts with their key names filled in, once.
    private static readonly string ReferenceStep = Backfill(ReferenceScript);
    private static readonly string StoredStep = Backfill(StoredScript);

    private static string Backfill(string script) => script
        .Replace("__ROOM__", ChatKeys.RoomPrefix, StringComparison.Ordinal)
        .Replace("__REFS__", ChatKeys.Blobs.RefsPrefix, StringComparison.Ordinal)
        .Replace("__INDEX__", ChatKeys.Blobs.Index, StringComparison.Ordinal)
        .Replace("__DELETING__", ChatKeys.Blobs.Deleting, StringComparison.Ordinal);

    private static long ParseLong(string? value) =>
        long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>The steps of the blob index's one-time backfill, in order.</summary>
public enum BlobBackfillPhase
{
    /// <summary>Recording every attachment as a reference of its blob (what uploads before the index did not).</summary>
    References,

    /// <summary>Indexing the stored blobs the index lacks (then swept by the usual rules).</summary>
    Store,

    /// <summary>Finished: it does not run again in this deployment (the marker <c>chat:blobs:backfill</c> says so).</summary>
    Done,
}

/// <summary>The backfill's saved position and counts (<see cref="ChatKeys.Blobs.Backfill"/>).</summary>
public sealed record BlobBackfillState(BlobBackfillPhase Phase, string Cursor, string? After, long References, long Indexed);
