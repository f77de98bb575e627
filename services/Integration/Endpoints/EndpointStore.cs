using System.Collections.Concurrent;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace ChatMesh.Integration.Endpoints;

/// <summary>
/// Outbound endpoints in Redis: one hash each, a set per owner and a set of all (read when an event is matched). Every write
/// bumps the hash's <c>rev</c>, so the delivery path reads an endpoint again only when it changed.
/// </summary>
public sealed class EndpointStore(IConnectionMultiplexer redis, TimeProvider time)
{
    // Beyond this many endpoints the in-memory copies are dropped and refilled (a bound, not a tuning knob).
    private const int MaxCached = 10_000;

    private const string BumpRevision = "redis.call('HINCRBY', KEYS[1], 'rev', 1) ";

    private readonly ConcurrentDictionary<string, WebhookEndpoint> cache = new(StringComparer.Ordinal);

    private IDatabase Db => redis.GetDatabase();

    public static string NewId() => "ep_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public async Task SaveAsync(WebhookEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var batch = Db.CreateTransaction();
        _ = batch.HashSetAsync(WebhookKeys.Endpoint(endpoint.Id), endpoint.ToHash());
        _ = batch.HashIncrementAsync(WebhookKeys.Endpoint(endpoint.Id), "rev");
        _ = batch.SetAddAsync(WebhookKeys.UserEndpoints(endpoint.Owner), endpoint.Id);
        _ = batch.SetAddAsync(WebhookKeys.AllEndpoints, endpoint.Id);
        await batch.ExecuteAsync();
    }

    public async Task<WebhookEndpoint?> GetAsync(string id) =>
        IsId(id) ? WebhookEndpoint.FromHash(await Db.HashGetAllAsync(WebhookKeys.Endpoint(id))) : null;

    /// <summary>The endpoint as of <paramref name="revision"/> (from a claim): the copy in memory when it is that one, else read.</summary>
    public async Task<WebhookEndpoint?> GetAsync(string id, long revision)
    {
        if (cache.TryGetValue(id, out var cached) && cached.Revision == revision)
        {
            return cached;
        }

        var endpoint = await GetAsync(id);
        if (endpoint is null)
        {
            cache.TryRemove(id, out _);
            return null;
        }

        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }

        cache[id] = endpoint;
        return endpoint;
    }

    /// <summary>The endpoint when it exists and belongs to <paramref name="owner"/>; someone else's is "not found".</summary>
    public async Task<WebhookEndpoint?> GetOwnedAsync(string owner, string id) =>
        await GetAsync(id) is { } endpoint && endpoint.Owner == owner ? endpoint : null;

    public async Task<long> CountAsync(string owner) => await Db.SetLengthAsync(WebhookKeys.UserEndpoints(owner));

    public Task<IReadOnlyList<WebhookEndpoint>> ListAsync(string owner) => LoadAsync(WebhookKeys.UserEndpoints(owner));

    /// <summary>Every endpoint (pipelined); the matching step filters them. Fine to thousands of endpoints.</summary>
    public Task<IReadOnlyList<WebhookEndpoint>> ListAllAsync() => LoadAsync(WebhookKeys.AllEndpoints);

    public async Task DeleteAsync(WebhookEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var batch = Db.CreateTransaction();
        _ = batch.KeyDeleteAsync(
        [
            WebhookKeys.Endpoint(endpoint.Id), WebhookKeys.EndpointAttempts(endpoint.Id), WebhookKeys.EndpointFailed(endpoint.Id),
            WebhookKeys.InFlight(endpoint.Id), WebhookKeys.EndpointDue(endpoint.Id),
        ]);
        _ = batch.SortedSetRemoveAsync(WebhookKeys.Ready, endpoint.Id);
        _ = batch.SetRemoveAsync(WebhookKeys.UserEndpoints(endpoint.Owner), endpoint.Id);
        _ = batch.SetRemoveAsync(WebhookKeys.AllEndpoints, endpoint.Id);
        await batch.ExecuteAsync();
    }

    /// <summary>Turns an endpoint off (410 Gone, sustained failure); its pending messages fail and can be replayed once re-enabled.</summary>
    public Task DisableAsync(string id, string reason) =>
        Db.ScriptEvaluateAsync(
            "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'enabled', 0, 'disabledReason', ARGV[1]) " + BumpRevision + "end",
            [WebhookKeys.Endpoint(id)], [reason]);

    /// <summary>Records a failed attempt; returns when the endpoint started failing without a success since.</summary>
    public async Task<DateTimeOffset> RecordFailureAsync(string id)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var key = WebhookKeys.Endpoint(id);
        // HSETNX only sets an absent field; a success resets it to 0, which counts as absent here.
        var since = (long)await Db.ScriptEvaluateAsync(
            "local v = tonumber(redis.call('HGET', KEYS[1], 'failingSince') or '0') " +
            "if v == 0 and redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'failingSince', ARGV[1]) " + BumpRevision +
            "v = tonumber(ARGV[1]) end " +
            "return v",
            [key], [now]);
        return DateTimeOffset.FromUnixTimeMilliseconds(since == 0 ? now : since);
    }

    public Task RecordSuccessAsync(string id) =>
        Db.ScriptEvaluateAsync(
            "if tonumber(redis.call('HGET', KEYS[1], 'failingSince') or '0') ~= 0 then redis.call('HSET', KEYS[1], 'failingSince', 0) " + BumpRevision + "end",
            [WebhookKeys.Endpoint(id)]);

    private async Task<IReadOnlyList<WebhookEndpoint>> LoadAsync(string setKey)
    {
        var ids = await Db.SetMembersAsync(setKey);
        var batch = Db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAllAsync(WebhookKeys.Endpoint(id.ToString()))).ToArray();
        batch.Execute();
        var hashes = await Task.WhenAll(reads);
        return [.. hashes.Select(WebhookEndpoint.FromHash).OfType<WebhookEndpoint>().OrderBy(endpoint => endpoint.CreatedAt)];
    }

    private static bool IsId(string id) => id.Length == 27 && id.StartsWith("ep_", StringComparison.Ordinal)
        && id.AsSpan(3).ContainsAnyExcept("0123456789abcdef") == false;
}
