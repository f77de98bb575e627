using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Validates a fresh token sent in an <c>auth</c> frame with exactly the rules of the JwtBearer handler, so a
/// long-lived connection can outlive its first token without reconnecting. The token must name the same user.
/// </summary>
internal sealed class TokenRefresher(IOptionsMonitor<JwtBearerOptions> jwtOptions)
{
    public async Task<DateTimeOffset?> ValidateAsync(string token, string expectedUser)
    {
        var options = jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme);
        var parameters = options.TokenValidationParameters.Clone();
        if (options.ConfigurationManager is { } manager)
        {
            var configuration = await manager.GetConfigurationAsync(CancellationToken.None);
            parameters.IssuerSigningKeys = configuration.SigningKeys;
            parameters.ValidIssuers = [configuration.Issuer, .. parameters.ValidIssuers ?? []];
        }

        Exception? failure = null;
        foreach (var handler in options.TokenHandlers)
        {
            var result = await handler.ValidateTokenAsync(token, parameters);
            if (!result.IsValid)
            {
                failure = result.Exception;
                continue;
            }

            var subject = result.ClaimsIdentity.FindFirst("sub")?.Value;
            if (!string.Equals(subject, expectedUser, StringComparison.Ordinal))
            {
                throw new FrameException("token_invalid", "The token is for another user; a connection keeps its user.");
            }

            return result.SecurityToken.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero);
        }

        throw failure is SecurityTokenExpiredException
            ? new FrameException("token_expired", "The token has expired.")
            : new FrameException("token_invalid", "The token is not valid.");
    }
}
