using ChatMesh.Chat.EventLog;
using StackExchange.Redis;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// Tells a failure of Redis that passes — unreachable, timed out, mid-failover (a replica that refuses writes, a server
/// still loading, a primary the Sentinels have not replaced yet, no replica confirming a write in time) — from a bug.
/// Every channel answers the first with <c>store_unavailable</c> (HTTP 503 + <c>Retry-After</c>, a WebSocket or
/// stream <c>error</c>), never with <c>internal_error</c>.
/// </summary>
public static class StoreFailures
{
    /// <summary>How long a client waits before it retries after <c>store_unavailable</c> (HTTP <c>Retry-After</c>, WebSocket <c>retryAfterMs</c>).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    // Server errors that a failover or a restart produces; a script bug (ERR …) stays internal_error.
    private static readonly string[] TransientServerErrors = ["READONLY", "LOADING", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "NOSCRIPT"];

    public static bool IsTransient(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or ReplicationTimeoutException => true,
        RedisServerException server => TransientServerErrors.Any(prefix => server.Message.StartsWith(prefix, StringComparison.Ordinal)),
        AggregateException { InnerExceptions: [var inner] } => IsTransient(inner),
        _ => false,
    };
}
