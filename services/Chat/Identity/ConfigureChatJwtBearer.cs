using ChatMesh.Chat.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Chat.Identity;

/// <summary>Derives the JwtBearer settings from <see cref="ChatAuthOptions"/>, so services configure auth in one place.</summary>
internal sealed class ConfigureChatJwtBearer(IOptions<ChatAuthOptions> authOptions, TimeProvider timeProvider, RevokedTokens revoked)
    : IConfigureNamedOptions<JwtBearerOptions>
{
    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        var auth = authOptions.Value;
        options.MapInboundClaims = false;
        options.EventsType = typeof(ChatJwtBearerEvents);
        options.TimeProvider = timeProvider;
        for (var i = 0; i < options.TokenHandlers.Count; i++)
        {
            if (options.TokenHandlers[i] is not RevocationCheckingTokenHandler)
            {
                options.TokenHandlers[i] = new RevocationCheckingTokenHandler(options.TokenHandlers[i], revoked);
            }
        }

        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = auth.ClockSkew,
            // The library's own check reads the wall clock; ours reads the injected TimeProvider so tests control expiry.
            LifetimeValidator = ValidateLifetime,
            RequireSignedTokens = true,
            NameClaimType = ChatClaimTypes.Subject,
            RoleClaimType = "role",
        };

        if (auth.UsesAuthority)
        {
            // Issuer and signing keys come from the authority's OpenID Connect metadata.
            options.Authority = auth.Authority;
            options.Audience = auth.Audience;
        }
        else
        {
            parameters.ValidIssuer = auth.Issuer;
            parameters.ValidateIssuerSigningKey = true;
            parameters.IssuerSigningKey = ChatSigningKey.Create(auth);
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        options.TokenValidationParameters = parameters;
    }

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        if (expires is not { } validTo)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        }

        if (notBefore is { } validFrom && validFrom > validTo)
        {
            throw new SecurityTokenInvalidLifetimeException("The token's not-before time is after its expiration time.")
            {
                NotBefore = validFrom,
                Expires = validTo,
            };
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (validTo < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = validTo };
        }

        return true;
    }
}
