using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// The JwtBearer handler of this service, with a fast path for a token it already validated (<see cref="ValidatedTokenCache"/>):
/// the token is found as the chat's <c>MessageReceived</c> event finds it (header, cookie, allowed query), and a cache hit
/// skips the JwtBearer pipeline around validation (the parameters' clone, the handlers, the result, the ticket's
/// properties), which was a fifth of a re-poll's CPU. What depends on the moment still runs on every request: the
/// token's expiry against the clock, and the chat's <c>TokenValidated</c> event (the revocation check, the
/// <c>jti</c> check, the revocation watch of a held poll). A miss, an expired token and every failure take the full path,
/// so every refusal is the one JwtBearer gives.
/// </summary>
internal sealed class CachedJwtBearerHandler(
    IOptionsMonitor<JwtBearerOptions> options, ILoggerFactory logger, UrlEncoder encoder, ValidatedTokenCache cache)
    : JwtBearerHandler(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!cache.Enabled)
        {
            return await base.HandleAuthenticateAsync();
        }

        var received = new MessageReceivedContext(Context, Scheme, Options);
        await Events.MessageReceived(received);
        // The event's own answer (a refused query token): its AuthenticateResult, not a task.
        if (received is { Result: { } answered })
        {
            return answered;
        }

        // The same token the base handler would take: the event's, else the Authorization header's after "Bearer ".
        var header = received.Token is null ? Request.Headers.Authorization.ToString() : null;
        var token = received.Token is { } found
            ? found.AsSpan()
            : header!.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? header.AsSpan(BearerPrefix.Length).Trim() : default;
        if (token.IsEmpty)
        {
            return await base.HandleAuthenticateAsync();
        }

        if (cache.TryGet(token) is { } identity)
        {
            try
            {
                var validated = new TokenValidatedContext(Context, Scheme, Options) { Principal = new ClaimsPrincipal(identity) };
                await Events.TokenValidated(validated);
                // The event refused the token (revoked, no jti) or decided itself: its AuthenticateResult, not a task.
                if (validated is { Result: { } decided })
                {
                    return decided;
                }

                return AuthenticateResult.Success(new AuthenticationTicket(validated.Principal!, validated.Properties, Scheme.Name));
            }
            catch (Exception exception)
            {
                // As the base handler answers a throwing event: a failed authentication (401), not a 500.
                return AuthenticateResult.Fail(exception);
            }
        }

        var tokenText = received.Token ?? token.ToString();
        var result = await base.HandleAuthenticateAsync();
        if (result.Succeeded && result.Properties.ExpiresUtc is { } expiresAt
            && result.Principal.Identity is ClaimsIdentity { IsAuthenticated: true } validatedIdentity)
        {
            cache.Add(tokenText, validatedIdentity, expiresAt);
        }

        return result;
    }
}
