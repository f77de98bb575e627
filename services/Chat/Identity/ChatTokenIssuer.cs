using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Chat.Identity;

/// <summary>A signed token and the instant it stops being accepted.</summary>
public sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>Issues HS256 tokens with the shared signing key (dev sign-in; services only validate).</summary>
public sealed class ChatTokenIssuer(IOptions<ChatAuthOptions> options, TimeProvider timeProvider)
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Signs a token for <paramref name="userId"/>, which must be a valid <see cref="UserName"/>.</summary>
    public IssuedToken Issue(string userId, string displayName)
    {
        if (!UserName.IsValid(userId))
        {
            throw new ArgumentException($"'{userId}' is not a valid user name ({UserName.Pattern}).", nameof(userId));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        var auth = options.Value;
        var signingKey = ChatSigningKey.Create(auth)
            ?? throw new InvalidOperationException($"{ChatAuthOptions.SectionName}:SigningKey is required to issue tokens.");

        // JWT times are whole seconds; truncate so ExpiresAt (and the cookie) match the token's exp exactly.
        var now = DateTimeOffset.FromUnixTimeSeconds(timeProvider.GetUtcNow().ToUnixTimeSeconds());
        var expiresAt = now + TimeSpan.FromSeconds(Math.Ceiling(auth.TokenLifetime.TotalSeconds));

        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            Subject = new ClaimsIdentity(
            [
                new Claim(ChatClaimTypes.Subject, userId),
                new Claim(ChatClaimTypes.DisplayName, displayName),
                new Claim(ChatClaimTypes.TokenId, Guid.NewGuid().ToString("N")),
            ]),
            SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.HmacSha256),
        });
        return new IssuedToken(token, expiresAt);
    }
}

/// <summary>The one place that turns the configured key string into key bytes, so issuing and validating agree.</summary>
internal static class ChatSigningKey
{
    public static SymmetricSecurityKey? Create(ChatAuthOptions options) =>
        string.IsNullOrEmpty(options.SigningKey) ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
}
