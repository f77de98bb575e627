using System.Globalization;
using System.Security.Cryptography;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ChatKeys = ChatMesh.Chat.EventLog.ChatKeys;

namespace ChatMesh.Legacy.EventQueues;

/// <summary>The outcome of starting a poll on a queue: the queue, or why not (<see cref="EventQueueScripts"/> codes).</summary>
public readonly record struct QueueLookup(EventQueue? Queue, long Refusal, long Acked, long Head)
{
    /// <summary>When the poll's lease stops counting if never given back or renewed (Unix ms); 0 without a lease.</summary>
    public long LeaseUntil { get; init; }

    /// <summary>When the queue expires if not polled again (Unix ms).</summary>
    public long ExpiresAt { get; init; }
}

/// <summary>
/// Event queues in Redis, so any instance serves any poll. Each operation is one script: registration bounded per user,
/// a poll's owner and cursor checks with the acknowledgement and the expiry refresh, deletion.
/// </summary>
public sealed class EventQueueStore(IConnectionMultiplexer redis, IOptions<LegacyOptions> options, TimeProvider time)
{
    /// <summary>Queue ids: 128 random bits as 32 lowercase hex characters (unguessable).</summary>
    public static bool IsQueueId(string? id) =>
        id is { Length: 32 } && id.All(static c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Creates a queue starting after <paramref name="head"/>; null when the user already holds the maximum.</summary>
    public async Task<string?> RegisterAsync(string user, QueueFilter filter, long head)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var settings = options.Value;
        var result = (long)await EventQueueScripts.Register.EvaluateAsync(redis.GetDatabase(), new
        {
            queue = EventQueueScripts.QueueKey(id),
            owner = EventQueueScripts.OwnerKey(id),
            userQueues = EventQueueScripts.UserQueuesKey(user),
            id,
            user,
            rooms = QueueFilter.Encode(filter.Rooms),
            types = QueueFilter.Encode(filter.Types),
            acked = head,
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            ttl = (long)settings.QueueIdleTimeout.TotalMilliseconds,
            memory = (long)settings.ExpiredQueueMemory.TotalMilliseconds,
            indexTtl = IndexTtl(settings),
            max = settings.MaxQueuesPerUser,
        }, flags: QueueFlags);
        return result == EventQueueScripts.TooMany ? null : id;
    }

    /// <summary>
    /// Starts a poll: the queue must be the user's and live; <paramref name="cursor"/> (null: the acknowledged one) must
    /// be neither behind the acknowledged cursor nor beyond the log head. Acknowledges it and keeps the queue
    /// alive for the idle timeout after this poll's <paramref name="hold"/>. A held poll passes a <paramref name="lease"/>
    /// id: it counts against <see cref="LegacyOptions.MaxHeldPollsPerUser"/> on every instance until
    /// <see cref="ReleaseHoldAsync"/>, or until its hold plus <see cref="LegacyOptions.HeldPollLeaseGrace"/> has passed.
    /// </summary>
    public async Task<QueueLookup> StartPollAsync(string id, string user, long? cursor, TimeSpan hold, string? lease = null)
    {
        var settings = options.Value;
        var ttl = settings.QueueIdleTimeout + hold;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var result = (RedisResult[])(await EventQueueScripts.Poll.EvaluateAsync(redis.GetDatabase(), new
        {
            queue = EventQueueScripts.QueueKey(id),
            owner = EventQueueScripts.OwnerKey(id),
            userQueues = EventQueueScripts.UserQueuesKey(user),
            id,
            user,
            cursor = cursor ?? -1,
            seq = ChatKeys.Seq,
            userRooms = ChatKeys.UserRooms(user),
            userHash = ChatKeys.User(user),
            personalLog = ChatKeys.UserLog(user),
            memberships = ChatKeys.UserMemberships(user),
            now,
            ttl = (long)ttl.TotalMilliseconds,
            memory = (long)settings.ExpiredQueueMemory.TotalMilliseconds,
            indexTtl = IndexTtl(settings),
            held = EventQueueScripts.HeldKey(user),
            lease = lease ?? "",
            leaseUntil = now + (long)(hold + settings.HeldPollLeaseGrace).TotalMilliseconds,
            heldTtl = (long)(settings.MaxPollTimeout + settings.HeldPollLeaseGrace).TotalMilliseconds,
            maxHeld = settings.MaxHeldPollsPerUser,
            changed = EventQueueScripts.Changed.ToString(),
            instance = LegacyInstance.Id,
        }, flags: QueueFlags))!;
        var code = (long)result[0];
        if (code != 1)
        {
            return result.Length > 2
                ? new QueueLookup(null, code, ParseLong(result[1]), ParseLong(result[2]))
                : new QueueLookup(null, code, 0, 0);
        }

        var filter = new QueueFilter(QueueFilter.Decode((string?)result[2]), QueueFilter.Decode((string?)result[3]));
        var start = ParseLong(result[1]);
        var head = ParseLong(result[4]);
        var queue = new EventQueue(id, user, filter, start)
        {
            Head = head,
            Pending = (long)result[5] != 0,
            Rooms = [.. ((RedisResult[])result[6]!).Select(static room => (string)room!)],
        };
        return new QueueLookup(queue, 0, start, head)
        {
            LeaseUntil = lease is null ? 0 : now + (long)(hold + settings.HeldPollLeaseGrace).TotalMilliseconds,
            ExpiresAt = now + (long)ttl.TotalMilliseconds,
        };
    }

    /// <summary>A new held-poll lease id, unique across instances (a random per-process prefix and a counter).</summary>
    public static string NewLease()
    {
        // Unique, not secret (leases never leave the service): this process's random prefix and a counter, so a re-poll
        // costs no random-number call and no array.
        Span<byte> lease = stackalloc byte[12];
        s_leasePrefix.CopyTo(lease);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(lease[4..], Interlocked.Increment(ref s_leaseCount));
        return Convert.ToHexStringLower(lease);
    }

    private static readonly byte[] s_leasePrefix = RandomNumberGenerator.GetBytes(4);
    private static long s_leaseCount = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & long.MaxValue;

    /// <summary>Ends a held poll's lease, so it no longer counts against the user's cap.</summary>
    public Task ReleaseHoldAsync(string user, string lease) =>
        redis.GetDatabase().SortedSetRemoveAsync(EventQueueScripts.HeldKey(user), lease);

    /// <summary>Deletes the user's queue: 1, <see cref="EventQueueScripts.NotFound"/> or <see cref="EventQueueScripts.OtherUser"/>.</summary>
    public async Task<long> DeleteAsync(string id, string user) =>
        (long)await EventQueueScripts.Delete.EvaluateAsync(redis.GetDatabase(), new
        {
            queue = EventQueueScripts.QueueKey(id),
            owner = EventQueueScripts.OwnerKey(id),
            userQueues = EventQueueScripts.UserQueuesKey(user),
            id,
            user,
            changed = EventQueueScripts.Changed.ToString(),
            instance = LegacyInstance.Id,
        }, flags: QueueFlags);

    /// <summary>Counts a short poll; returns the seconds until the user may poll again, or null when within the rate.</summary>
    public async Task<int?> CountShortPollAsync(string user)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var window = now / 60;
        var count = (long)await EventQueueScripts.CountShortPoll.EvaluateAsync(redis.GetDatabase(), new
        {
            key = EventQueueScripts.RateKey(user, window),
        }, flags: QueueFlags);
        return count > options.Value.ShortPollsPerMinute ? (int)(((window + 1) * 60) - now) : null;
    }

    // Queue state is read and written on the primary only: while it is down (before the Sentinels promote a replica) a
    // poll fails fast as 503 store_unavailable instead of a replica answering from a stale or resyncing dataset.
    internal const CommandFlags QueueFlags = CommandFlags.DemandMaster;

    // The per-user index lives as long as its longest-lived queue can.
    private static long IndexTtl(LegacyOptions settings) =>
        (long)(settings.QueueIdleTimeout + settings.MaxPollTimeout).TotalMilliseconds + 1000;

    private static long ParseLong(RedisResult value) => long.Parse((string)value!, CultureInfo.InvariantCulture);
}
