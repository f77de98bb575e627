using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using ChatMesh.Legacy.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// Remembers tokens this instance validated, until they expire, keyed by the SHA-256 of the token: a client re-polls with
/// the same token after every answer, and validating its signature, issuer and audience again costs far more than the
/// hash (docs/benchmarks.md). A ChatMesh token's validity depends only on the token and the clock, so a hit is answered
/// as the validation would be; at most <see cref="LegacyOptions.ValidatedTokenCacheSize"/> entries (0: off).
/// </summary>
public sealed class ValidatedTokenCache(IOptions<LegacyOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private long _nextSweep;

    public int Count => _entries.Count;

    /// <summary>The cached result for <paramref name="token"/>, or null (unknown or expired).</summary>
    public TokenValidationResult? TryGet(string token)
    {
        if (options.Value.ValidatedTokenCacheSize == 0 || !_entries.TryGetValue(TokenHash.Of(token), out var entry))
        {
            return null;
        }

        if (entry.Token.ValidTo <= time.GetUtcNow().UtcDateTime)
        {
            _entries.TryRemove(TokenHash.Of(token), out _);
            return null;
        }

        // The requests of one token share one identity, in the slim shape the chat's TokenValidated event would copy a
        // validated identity into (claims only, no parsed token), so a re-poll copies no claims and a held poll holds none
        // of its own. Nothing in ChatMesh adds claims after validation; and a shared identity is only ever shared by the
        // requests of the same token, hence the same user.
        return new TokenValidationResult { IsValid = true, ClaimsIdentity = entry.Identity, SecurityToken = entry.Token, Issuer = entry.Token.Issuer };
    }

    /// <summary>Remembers a successful validation when there is room (expired entries are swept at most once a second).</summary>
    public void Add(string token, TokenValidationResult result)
    {
        var max = options.Value.ValidatedTokenCacheSize;
        if (max == 0 || !result.IsValid || result.ClaimsIdentity is null || result.SecurityToken is not { } validated
            || validated.ValidTo == DateTime.MinValue)
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

        _entries[TokenHash.Of(token)] = new Entry(Slim(result.ClaimsIdentity), validated);
    }

    /// <summary>A copy of <paramref name="identity"/>'s claims on an identity that holds no parsed token.</summary>
    private static CaseSensitiveClaimsIdentity Slim(ClaimsIdentity identity) =>
        new(identity.Claims, identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType);

    private void Sweep()
    {
        var now = time.GetUtcNow();
        var next = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweep, now.UtcTicks + TimeSpan.TicksPerSecond, next) != next)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.Token.ValidTo <= now.UtcDateTime)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private sealed record Entry(CaseSensitiveClaimsIdentity Identity, SecurityToken Token);

    private readonly record struct TokenHash(UInt128 High, UInt128 Low)
    {
        public static TokenHash Of(string token)
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            var length = Encoding.UTF8.GetMaxByteCount(token.Length);
            var buffer = length <= 4096 ? stackalloc byte[length] : new byte[length];
            SHA256.HashData(buffer[..Encoding.UTF8.GetBytes(token, buffer)], hash);
            return new TokenHash(
                System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash),
                System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash[16..]));
        }
    }
}

/// <summary>A token handler that asks <see cref="ValidatedTokenCache"/> first and fills it from the handler it wraps.</summary>
internal sealed class CachingTokenHandler(TokenHandler inner, ValidatedTokenCache cache) : TokenHandler
{
    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (cache.TryGet(token) is { } cached)
        {
            return cached;
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        cache.Add(token, result);
        return result;
    }

    public override Task<TokenValidationResult> ValidateTokenAsync(SecurityToken token, TokenValidationParameters validationParameters) =>
        inner.ValidateTokenAsync(token, validationParameters);

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    public override int MaximumTokenSizeInBytes
    {
        get => inner.MaximumTokenSizeInBytes;
        set => inner.MaximumTokenSizeInBytes = value;
    }
}
