using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Security;

/// <summary>
/// This instance's copy of the revoked-token list (<c>jti</c> → expiry), filled by <see cref="TokenRevocationSync"/> from
/// Redis, and the long-lived requests (WebSocket, SSE/NDJSON, held polls) to cut when their token is revoked. The check
/// on every request is a field read while nothing is revoked, and one dictionary lookup otherwise: never a Redis call.
/// </summary>
public sealed class RevokedTokens(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Watch, byte> _watched = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool IsRevoked(string tokenId) => Volatile.Read(ref _count) != 0 && _revoked.ContainsKey(tokenId);

    /// <summary>Records a revocation (idempotent) and aborts every watched request that holds the token.</summary>
    public void Add(string tokenId, DateTimeOffset expiresAt)
    {
        if (expiresAt <= time.GetUtcNow() || !_revoked.TryAdd(tokenId, expiresAt))
        {
            return;
        }

        Interlocked.Increment(ref _count);
        foreach (var (watch, _) in _watched)
        {
            if (string.Equals(watch.TokenId, tokenId, StringComparison.Ordinal))
            {
                watch.Cut();
            }
        }
    }

    /// <summary>Forgets revocations of tokens that have expired anyway (an expired token is refused without the list).</summary>
    public void RemoveExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (tokenId, expiresAt) in _revoked)
        {
            if (expiresAt <= now && _revoked.TryRemove(tokenId, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    /// <summary>Cuts <paramref name="context"/> if <paramref name="tokenId"/> is revoked while the request runs; forgotten when it ends.</summary>
    public void WatchUntilCompleted(string tokenId, HttpContext context)
    {
        var watch = new Watch(tokenId, context, this);
        context.Features.Set(watch);
        _watched.TryAdd(watch, 0);
        context.Response.RegisterForDispose(watch);
        // A revocation that landed between the check and the registration.
        if (IsRevoked(tokenId))
        {
            context.Abort();
        }
    }

    /// <summary>
    /// Replaces the abort of <paramref name="context"/> (watched by <see cref="WatchUntilCompleted"/>) by the channel's
    /// own way to end when its token is revoked, such as a WebSocket close code that tells the client to sign in again.
    /// </summary>
    public static void OnRevoked(HttpContext context, Action cut)
    {
        if (context.Features.Get<Watch>() is { } watch)
        {
            watch.OnRevoked = cut;
        }
    }

    /// <summary>Long-lived requests being watched now.</summary>
    public int WatchedCount => _watched.Count;

    private sealed class Watch(string tokenId, HttpContext context, RevokedTokens owner) : IDisposable
    {
        public string TokenId { get; } = tokenId;

        public HttpContext Context { get; } = context;

        public Action? OnRevoked { get; set; }

        // By default an abort: the same cut for every channel (no final answer); the reconnect is refused with 401 token_revoked.
        public void Cut() => (OnRevoked ?? Context.Abort)();

        public void Dispose() => owner._watched.TryRemove(this, out _);
    }
}
