using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Integration.Delivery;

/// <summary>
/// One claimed delivery: the member <c>{endpoint}:{event}</c>, the claim's lease, the attempt number (1-based), the event's
/// wire bytes and trace, and the endpoint's revision when claimed (so an unchanged endpoint need not be read again).
/// </summary>
public sealed record DeliveryClaim(string Endpoint, long EventId, string Lease, int Attempt, byte[] Json, string? TraceParent, long EndpointRevision)
{
    public string Member => WebhookKeys.Member(Endpoint, EventId);
}

/// <summary>A pending message as stored: the event's wire bytes, its type and the trace it belongs to.</summary>
public sealed record DeliveryMessage(string Endpoint, long EventId, string Type, byte[] Json, string? TraceParent, string Status, int Attempts);

/// <summary>How a claimed delivery ended.</summary>
public enum DeliveryOutcome
{
    Succeeded,
    Retry,
    Failed,

    /// <summary>Shutdown interrupted it: due again at once, and the attempt does not count.</summary>
    Released,
}

/// <summary>The durable delivery schedule in Redis (see <see cref="DeliveryScripts"/>): enqueue, claim, complete, replay.</summary>
public sealed class DeliveryQueue(IConnectionMultiplexer redis, IOptions<IntegrationOptions> options, TimeProvider time)
{
    private IDatabase Db => redis.GetDatabase();

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    private long RetentionMs => (long)options.Value.Attempts.Retention.TotalMilliseconds;

    private int Cap => options.Value.Delivery.MaxConcurrencyPerEndpoint;

    /// <summary>Schedules the event for the endpoint now; false when it already was (a redelivered bus message).</summary>
    public async Task<bool> EnqueueAsync(string endpoint, long eventId, string type, ReadOnlyMemory<byte> json, string? traceParent) =>
        await EnqueueAsync([endpoint], eventId, type, json, traceParent) == 1;

    /// <summary>Schedules the event for each endpoint in one round trip; returns how many did not have it yet.</summary>
    public async Task<int> EnqueueAsync(IReadOnlyCollection<string> endpoints, long eventId, string type, ReadOnlyMemory<byte> json, string? traceParent)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count == 0)
        {
            return 0;
        }

        RedisValue[] args = [Now, RetentionMs, eventId, json, type, traceParent ?? "", Cap, .. endpoints.Select(endpoint => (RedisValue)endpoint)];
        return (int)(long)await Db.ScriptEvaluateAsync(DeliveryScripts.Enqueue, [WebhookKeys.Ready], args);
    }

    /// <summary>Claims up to <paramref name="max"/> due deliveries, at most the cap's worth in flight per endpoint.</summary>
    public async Task<IReadOnlyList<DeliveryClaim>> ClaimAsync(int max)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(
            DeliveryScripts.Claim,
            [WebhookKeys.Ready],
            [Now, max, Visit(max), VisibilityMs, Cap, LeaseToken()]))!;
        return ParseClaims(result, 0);
    }

    private long VisibilityMs => (long)options.Value.Delivery.VisibilityTimeout.TotalMilliseconds;

    // Endpoints a claim looks at: enough that a few with nothing claimable (deleted meanwhile) do not starve it.
    private static int Visit(int max) => Math.Max(64, max);

    private static string LeaseToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static List<DeliveryClaim> ParseClaims(RedisResult[] result, int offset)
    {
        var claims = new List<DeliveryClaim>((result.Length - offset) / 6);
        for (var i = offset; i + 5 < result.Length; i += 6)
        {
            var member = result[i].ToString();
            var colon = member.LastIndexOf(':');
            var trace = result[i + 4].ToString();
            claims.Add(new DeliveryClaim(
                member[..colon], long.Parse(member.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture),
                result[i + 1].ToString(), (int)result[i + 2], (byte[])result[i + 3]!, trace.Length == 0 ? null : trace, (long)result[i + 5]));
        }

        return claims;
    }

    public async Task<DeliveryMessage?> GetAsync(string endpoint, long eventId)
    {
        var values = await Db.HashGetAsync(
            WebhookKeys.Message(WebhookKeys.Member(endpoint, eventId)), ["type", "json", "trace", "status", "attempts"]);
        return values[1].IsNull
            ? null
            : new DeliveryMessage(endpoint, eventId, values[0].ToString(), (byte[])values[1]!,
                values[2].IsNullOrEmpty ? null : values[2].ToString(), values[3].ToString(), (int)values[4]);
    }

    /// <summary>
    /// Ends a claim and logs its attempt (<paramref name="attempt"/>, JSON; null for none) in one round trip; false when the
    /// claim was lost (its visibility ran out and another worker took it) — the attempt is logged all the same.
    /// </summary>
    public async Task<bool> CompleteAsync(DeliveryClaim claim, DeliveryOutcome outcome, DateTimeOffset? nextAttempt = null, byte[]? attempt = null) =>
        (await CompleteAsync(claim, outcome, nextAttempt, attempt, claimNext: 0)).Done;

    /// <summary>
    /// As <see cref="CompleteAsync(DeliveryClaim, DeliveryOutcome, DateTimeOffset?, byte[])"/>, and in the same round trip claims up
    /// to <paramref name="claimNext"/> due deliveries (any endpoint, in due order), so a worker goes straight on to its next one.
    /// </summary>
    public async Task<(bool Done, IReadOnlyList<DeliveryClaim> Next)> CompleteAsync(
        DeliveryClaim claim, DeliveryOutcome outcome, DateTimeOffset? nextAttempt, byte[]? attempt, int claimNext)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var name = outcome switch
        {
            DeliveryOutcome.Succeeded => "ok",
            DeliveryOutcome.Retry => "retry",
            DeliveryOutcome.Released => "release",
            _ => "fail",
        };
        var limits = options.Value.Attempts;
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(
            DeliveryScripts.Complete,
            [WebhookKeys.Message(claim.Member), WebhookKeys.EndpointDue(claim.Endpoint), WebhookKeys.InFlight(claim.Endpoint),
                WebhookKeys.EndpointFailed(claim.Endpoint), WebhookKeys.Ready, WebhookKeys.EndpointAttempts(claim.Endpoint),
                WebhookKeys.MessageAttempts(claim.Member)],
            [claim.Member, claim.Lease, name, nextAttempt?.ToUnixTimeMilliseconds() ?? Now, Now, claim.EventId, RetentionMs, claim.Endpoint, Cap,
                attempt ?? RedisValue.EmptyString, limits.MaxPerEndpoint, limits.MaxPerMessage, claimNext, LeaseToken(), Visit(claimNext),
                VisibilityMs]))!;
        return ((long)result[0] == 1, ParseClaims(result, 1));
    }

    /// <summary>Forgets a claimed delivery whose endpoint was deleted meanwhile.</summary>
    public async Task DropAsync(DeliveryClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var batch = Db.CreateTransaction();
        _ = batch.SortedSetRemoveAsync(WebhookKeys.EndpointDue(claim.Endpoint), claim.Member);
        _ = batch.SortedSetRemoveAsync(WebhookKeys.InFlight(claim.Endpoint), claim.Member);
        _ = batch.KeyDeleteAsync([WebhookKeys.Message(claim.Member), WebhookKeys.MessageAttempts(claim.Member)]);
        await batch.ExecuteAsync();
    }

    /// <summary>Schedules a message again from its first attempt: 0 unknown, 1 scheduled, 2 being delivered now.</summary>
    public async Task<int> ReplayAsync(string endpoint, long eventId)
    {
        var member = WebhookKeys.Member(endpoint, eventId);
        return (int)(long)await Db.ScriptEvaluateAsync(
            DeliveryScripts.Replay,
            [WebhookKeys.Message(member), WebhookKeys.EndpointDue(endpoint), WebhookKeys.EndpointFailed(endpoint), WebhookKeys.Ready,
                WebhookKeys.InFlight(endpoint)],
            [member, Now, eventId, RetentionMs, endpoint, Cap]);
    }

    /// <summary>Replays every message of the endpoint that failed at or after <paramref name="since"/>; returns how many.</summary>
    public async Task<int> ReplayFailedAsync(string endpoint, DateTimeOffset since)
    {
        var failed = await Db.SortedSetRangeByScoreAsync(WebhookKeys.EndpointFailed(endpoint), since.ToUnixTimeMilliseconds());
        var count = 0;
        foreach (var eventId in failed)
        {
            if (await ReplayAsync(endpoint, (long)eventId) == 1)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The endpoint's deliveries due now or later (including those in flight), for tests and diagnostics.</summary>
    public Task<long> PendingAsync(string endpoint) => Db.SortedSetLengthAsync(WebhookKeys.EndpointDue(endpoint));
}
