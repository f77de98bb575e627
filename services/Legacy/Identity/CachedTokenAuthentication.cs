using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// Authentication of a request whose token this instance already validated (<see cref="ValidatedTokenCache"/>), as the
/// JwtBearer handler would give it: the token is found by the chat's <c>MessageReceived</c> event (header, cookie, allowed
/// query), and the chat's <c>TokenValidated</c> event still runs on the cached identity (the revocation check, the
/// <c>jti</c> check, the revocation watch of a held poll). Shared by <see cref="CachedJwtBearerHandler"/> and
/// <see cref="CachedTokenAuthenticationMiddleware"/>; completes synchronously when the events do, without allocating a task.
/// </summary>
internal static class CachedTokenAuthentication
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>
    /// The answer for a cached token: success, or the failure an event gave (a refused query token, a revoked token, a
    /// throwing event). Null when there is no token, or it is not in the cache (or expired there): the full validation
    /// decides, and <c>Missed</c> is the token it will validate (null when there is none).
    /// </summary>
    public static async ValueTask<(AuthenticateResult? Result, string? Missed)> TryAuthenticateAsync(
        HttpContext context, AuthenticationScheme scheme, JwtBearerOptions options, JwtBearerEvents events, ValidatedTokenCache cache)
    {
        var received = new MessageReceivedContext(context, scheme, options);
        await events.MessageReceived(received);
        // The event's own answer (a refused query token).
        if (received is { Result: { } answered })
        {
            return (answered, null);
        }

        // The same token the base handler would take: the event's, else the Authorization header's after "Bearer ".
        var header = received.Token is null ? context.Request.Headers.Authorization.ToString() : null;
        var token = received.Token is { } found
            ? found.AsSpan()
            : header!.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? header.AsSpan(BearerPrefix.Length).Trim() : default;
        if (token.IsEmpty)
        {
            return (null, null);
        }

        if (cache.TryGet(token) is not { } identity)
        {
            return (null, received.Token ?? token.ToString());
        }

        try
        {
            var validated = new TokenValidatedContext(context, scheme, options) { Principal = new ClaimsPrincipal(identity) };
            await events.TokenValidated(validated);
            // The event refused the token (revoked, no jti) or decided itself.
            if (validated is { Result: { } decided })
            {
                return (decided, null);
            }

            return (AuthenticateResult.Success(new AuthenticationTicket(validated.Principal!, validated.Properties, scheme.Name)), null);
        }
        catch (Exception exception)
        {
            // As the base handler answers a throwing event: a failed authentication (401), not a 500.
            return (AuthenticateResult.Fail(exception), null);
        }
    }
}
