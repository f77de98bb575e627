using System.Collections.Concurrent;
using System.Security.Claims;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// The identities of tokens this instance validated, until they expire, keyed by the token's own characters (looked up
/// from the request's header span, so a hit allocates no key): a client re-polls with the same token after every answer,
/// and the JwtBearer pipeline around a validation (parameters cloned, contexts, the ticket) costs a re-poll more than
/// its whole poll logic (docs/benchmarks.md). A ChatMesh token's signature, issuer and audience depend only on the token,
/// so they stand once checked; its expiry and revocation are checked again on every request
/// (<see cref="CachedJwtBearerHandler"/>). At most <see cref="LegacyOptions.ValidatedTokenCacheSize"/> entries (0: off).
/// </summary>
public sealed class ValidatedTokenCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly IOptions<LegacyOptions> _options;
    private readonly TimeProvider _time;
    private long _nextSweep;

    public ValidatedTokenCache(IOptions<LegacyOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _entries.Count;

    public bool Enabled => _options.Value.ValidatedTokenCacheSize > 0;

    /// <summary>
    /// The validated identity of <paramref name="token"/> (claims only, shared by every request of that token), or null:
    /// unknown, or expired by the clock (then forgotten, and the full validation answers <c>token_expired</c>).
    /// </summary>
    public ClaimsIdentity? TryGet(ReadOnlySpan<char> token)
    {
        if (!Enabled || !_bySpan.TryGetValue(token, out var entry))
        {
            return null;
        }

        if (entry.ExpiresAt <= _time.GetUtcNow())
        {
            _bySpan.TryRemove(token, out _);
            return null;
        }

        return entry.Identity;
    }

    /// <summary>Remembers a validated token's identity until <paramref name="expiresAt"/>, when there is room (expired entries are swept at most once a second).</summary>
    public void Add(string token, ClaimsIdentity identity, DateTimeOffset expiresAt)
    {
        var max = _options.Value.ValidatedTokenCacheSize;
        if (max == 0 || expiresAt <= _time.GetUtcNow())
        {
            return;
        }

        if (_entries.Count >= max)
        {
            Sweep();
            if (_entries.Count >= max)
            {
                return;
            }
        }

        _entries[token] = new Entry(identity, expiresAt);
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        var next = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweep, now.UtcTicks + TimeSpan.TicksPerSecond, next) != next)
        {
            return;
        }

        foreach (var (token, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(token, out _);
            }
        }
    }

    private sealed record Entry(ClaimsIdentity Identity, DateTimeOffset ExpiresAt);
}
