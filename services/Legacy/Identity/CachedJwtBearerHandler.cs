using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// The JwtBearer handler of this service, with a fast path for a token it already validated (<see cref="ValidatedTokenCache"/>,
/// <see cref="CachedTokenAuthentication"/>): a cache hit skips the JwtBearer pipeline around validation (the parameters'
/// clone, the handlers, the result, the ticket's properties), which was a fifth of a re-poll's CPU. What depends on the
/// moment still runs on every request: the token's expiry against the clock, and the chat's <c>TokenValidated</c> event
/// (the revocation check, the <c>jti</c> check, the revocation watch of a held poll). A miss, an expired token and every
/// failure take the full path, so every refusal is the one JwtBearer gives. A re-poll whose token is a cache hit does not
/// reach this handler at all (<see cref="CachedTokenAuthenticationMiddleware"/>); every other request does.
/// </summary>
internal sealed class CachedJwtBearerHandler(
    IOptionsMonitor<JwtBearerOptions> options, ILoggerFactory logger, UrlEncoder encoder, ValidatedTokenCache cache)
    : JwtBearerHandler(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!cache.Enabled)
        {
            return await base.HandleAuthenticateAsync();
        }

        var (cached, missed) = await CachedTokenAuthentication.TryAuthenticateAsync(Context, Scheme, Options, Events, cache);
        if (cached is not null)
        {
            return cached;
        }

        var result = await base.HandleAuthenticateAsync();
        if (missed is not null && result.Succeeded && result.Properties.ExpiresUtc is { } expiresAt
            && result.Principal.Identity is ClaimsIdentity { IsAuthenticated: true } validatedIdentity)
        {
            cache.Add(missed, validatedIdentity, expiresAt);
        }

        return result;
    }
}
