using System.Security.Claims;
using System.Security.Cryptography;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Legacy.Tests.Identity;

/// <summary>
/// A re-poll with a token this instance already validated skips the signature check, until the token expires; a token
/// that fails validation is never remembered; the cache never outgrows its bound.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly SymmetricSecurityKey _key = new(RandomNumberGenerator.GetBytes(32));
    private readonly ManualTime _time = new() { Now = Start };
    private readonly CountingHandler _inner = new();

    private (CachingTokenHandler Handler, ValidatedTokenCache Cache) Caching(int size = 100)
    {
        var cache = new ValidatedTokenCache(Options.Create(new LegacyOptions { ValidatedTokenCacheSize = size }), _time);
        return (new CachingTokenHandler(_inner, cache), cache);
    }

    private string Token(string user, TimeSpan lifetime, SymmetricSecurityKey? key = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "chatmesh",
        Audience = "chatmesh",
        IssuedAt = Start.UtcDateTime,
        NotBefore = Start.UtcDateTime,
        Expires = (Start + lifetime).UtcDateTime,
        Subject = new ClaimsIdentity([new Claim("sub", user)]),
        SigningCredentials = new SigningCredentials(key ?? _key, SecurityAlgorithms.HmacSha256),
    });

    private TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = "chatmesh",
        ValidAudience = "chatmesh",
        IssuerSigningKey = _key,
        ValidateIssuerSigningKey = true,
        ClockSkew = TimeSpan.Zero,
        LifetimeValidator = (_, expires, _, _) => expires > _time.GetUtcNow().UtcDateTime,
    };

    [Fact]
    public async Task A_second_request_with_the_same_token_is_answered_without_validating_it_again()
    {
        var (handler, _) = Caching();
        var token = Token("alice", TimeSpan.FromMinutes(10));

        var first = await handler.ValidateTokenAsync(token, Parameters());
        var second = await handler.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal("alice", second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal(1, _inner.Validations);
        // The cached identity holds the claims only (the chat's TokenValidated need not copy it again), shared by the
        // requests of this one token.
        var slim = Assert.IsType<CaseSensitiveClaimsIdentity>(second.ClaimsIdentity);
        Assert.Null(slim.SecurityToken);
        Assert.Equal(first.ClaimsIdentity.Claims.Select(claim => (claim.Type, claim.Value)), slim.Claims.Select(claim => (claim.Type, claim.Value)));
        Assert.Same(slim, (await handler.ValidateTokenAsync(token, Parameters())).ClaimsIdentity);
    }

    [Fact]
    public async Task An_expired_token_is_validated_again_and_refused()
    {
        var (handler, _) = Caching();
        var token = Token("alice", TimeSpan.FromMinutes(10));
        Assert.True((await handler.ValidateTokenAsync(token, Parameters())).IsValid);

        _time.Now = Start + TimeSpan.FromMinutes(11);
        var later = await handler.ValidateTokenAsync(token, Parameters());

        Assert.False(later.IsValid);
        Assert.Equal(2, _inner.Validations);
    }

    [Fact]
    public async Task A_token_that_fails_validation_is_not_remembered()
    {
        var (handler, cache) = Caching();
        var forged = Token("mallory", TimeSpan.FromMinutes(10), new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)));

        Assert.False((await handler.ValidateTokenAsync(forged, Parameters())).IsValid);
        Assert.False((await handler.ValidateTokenAsync(forged, Parameters())).IsValid);

        Assert.Equal(0, cache.Count);
        Assert.Equal(2, _inner.Validations);
    }

    [Fact]
    public async Task The_cache_holds_at_most_its_size_and_size_zero_turns_it_off()
    {
        var (handler, cache) = Caching(size: 2);
        foreach (var user in new[] { "a", "b", "c" })
        {
            Assert.True((await handler.ValidateTokenAsync(Token(user, TimeSpan.FromMinutes(10)), Parameters())).IsValid);
        }

        Assert.Equal(2, cache.Count);

        var (off, offCache) = Caching(size: 0);
        var token = Token("d", TimeSpan.FromMinutes(10));
        await off.ValidateTokenAsync(token, Parameters());
        await off.ValidateTokenAsync(token, Parameters());
        Assert.Equal(0, offCache.Count);
    }

    [Fact]
    public async Task A_full_cache_makes_room_once_its_tokens_expire()
    {
        var (handler, cache) = Caching(size: 1);
        await handler.ValidateTokenAsync(Token("a", TimeSpan.FromMinutes(1)), Parameters());
        _time.Now = Start + TimeSpan.FromMinutes(2);

        var fresh = Token("b", TimeSpan.FromMinutes(10));
        Assert.True((await handler.ValidateTokenAsync(fresh, Parameters())).IsValid);
        await handler.ValidateTokenAsync(fresh, Parameters());

        Assert.Equal(1, cache.Count);
        Assert.Equal(2, _inner.Validations);
    }

    private sealed class CountingHandler : TokenHandler
    {
        private readonly JsonWebTokenHandler _real = new();

        public int Validations { get; private set; }

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Validations++;
            return _real.ValidateTokenAsync(token, validationParameters);
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
