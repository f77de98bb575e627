using ChatMesh.Chat.Identity;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Chat.Security;

/// <summary>
/// Wraps each JwtBearer token handler: a token without a <c>jti</c> cannot be revoked, so it is invalid; a revoked one
/// fails with <see cref="SecurityTokenRevokedException"/>. Also covers validations outside a request (the WebSocket
/// <c>auth</c> frame), which JwtBearer's events never see.
/// </summary>
internal sealed class RevocationCheckingTokenHandler(TokenHandler inner, RevokedTokens revoked) : TokenHandler
{
    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters) =>
        Check(await inner.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false));

    public override async Task<TokenValidationResult> ValidateTokenAsync(SecurityToken token, TokenValidationParameters validationParameters) =>
        Check(await inner.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false));

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    public override int MaximumTokenSizeInBytes
    {
        get => inner.MaximumTokenSizeInBytes;
        set => inner.MaximumTokenSizeInBytes = value;
    }

    private TokenValidationResult Check(TokenValidationResult result)
    {
        if (!result.IsValid)
        {
            return result;
        }

        var tokenId = result.ClaimsIdentity?.FindFirst(ChatClaimTypes.TokenId)?.Value;
        if (string.IsNullOrEmpty(tokenId))
        {
            return new TokenValidationResult { IsValid = false, Exception = new SecurityTokenValidationException("The token has no 'jti' claim, so it could not be revoked.") };
        }

        return revoked.IsRevoked(tokenId)
            ? new TokenValidationResult { IsValid = false, Exception = new SecurityTokenRevokedException() }
            : result;
    }
}

/// <summary>A well-signed, unexpired token whose <c>jti</c> was revoked by a sign-out.</summary>
public sealed class SecurityTokenRevokedException()
    : SecurityTokenValidationException("The token was revoked (signed out).");
