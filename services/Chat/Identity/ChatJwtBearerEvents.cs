using System.Security.Claims;
using ChatMesh.Chat.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Chat.Identity;

/// <summary>Finds the token (header, cookie, allowed query) and answers 401/403 with problem details.</summary>
internal sealed class ChatJwtBearerEvents(IOptions<ChatAuthOptions> authOptions, RevokedTokens revoked) : JwtBearerEvents
{
    public const string QueryParameterName = "access_token";

    public override Task MessageReceived(MessageReceivedContext context)
    {
        var request = context.Request;
        var auth = authOptions.Value;

        // A Bearer header wins; the handler reads it itself when Token stays null.
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.CompletedTask;
        }

        if (request.Cookies.TryGetValue(auth.CookieName, out var cookie) && !string.IsNullOrEmpty(cookie))
        {
            context.Token = cookie;
            return Task.CompletedTask;
        }

        var query = request.Query[QueryParameterName];
        if (StringValues.IsNullOrEmpty(query))
        {
            return Task.CompletedTask;
        }

        // URLs end up in logs and browser history, so only the paths where browsers have no other way take them.
        if (!IsQueryTokenPath(request.Path, auth.EffectiveQueryTokenPaths))
        {
            context.Fail(new QueryTokenNotAllowedException());
        }
        else if (query.Count != 1)
        {
            context.Fail(new SecurityTokenMalformedException($"More than one {QueryParameterName} query parameter."));
        }
        else
        {
            context.Token = query.ToString();
        }

        return Task.CompletedTask;
    }

    public override Task TokenValidated(TokenValidatedContext context)
    {
        // Checked here as well as in the token handler: a service's own cache of validated tokens (legacy) answers before it.
        var tokenId = context.Principal?.FindFirst(ChatClaimTypes.TokenId)?.Value;
        if (string.IsNullOrEmpty(tokenId))
        {
            context.Fail(new SecurityTokenValidationException("The token has no 'jti' claim."));
            return Task.CompletedTask;
        }

        if (revoked.IsRevoked(tokenId))
        {
            context.Fail(new SecurityTokenRevokedException());
            return Task.CompletedTask;
        }

        if (IsQueryTokenPath(context.Request.Path, authOptions.Value.EffectiveQueryTokenPaths) && HttpMethods.IsGet(context.Request.Method))
        {
            // The long-lived requests (WebSocket, SSE/NDJSON, held polls) are cut when their token is revoked.
            revoked.WatchUntilCompleted(tokenId, context.HttpContext);
        }

        // A stream or socket keeps its principal for hours: keep the claims (copied onto a new identity) and let the
        // parsed token behind the validated identity (its encoded string, header and payload) go.
        if (context.Principal?.Identity is CaseSensitiveClaimsIdentity { SecurityToken: not null } validated)
        {
            context.Principal = new ClaimsPrincipal(new CaseSensitiveClaimsIdentity(
                validated.Claims, validated.AuthenticationType, validated.NameClaimType, validated.RoleClaimType));
        }

        return Task.CompletedTask;
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        // Replace the default empty 401 with a body that says what is wrong.
        context.HandleResponse();
        var auth = authOptions.Value;
        var (error, detail) = Describe(context.AuthenticateFailure, auth);
        context.Response.Headers.WWWAuthenticate = error == ChatAuthErrors.TokenMissing
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{error}\"";
        await ChatAuthProblems.Write(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized", detail, error);
    }

    public override Task Forbidden(ForbiddenContext context) =>
        ChatAuthProblems.Write(
            context.HttpContext,
            StatusCodes.Status403Forbidden,
            "Forbidden",
            "The signed-in user is not allowed to do this.",
            ChatAuthErrors.Forbidden);

    internal static bool IsQueryTokenPath(PathString path, IReadOnlyList<string> prefixes)
    {
        foreach (var prefix in prefixes)
        {
            // Whole segments only: "/ws" allows "/ws" and "/ws/rooms", not "/wsx".
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static (string Error, string Detail) Describe(Exception? failure, ChatAuthOptions auth) => failure switch
    {
        null => (ChatAuthErrors.TokenMissing,
            $"No access token. Send 'Authorization: Bearer <token>' or the '{auth.CookieName}' cookie" +
            $" (or '{QueryParameterName}' in the query on {string.Join(", ", auth.EffectiveQueryTokenPaths)})."),
        QueryTokenNotAllowedException => (ChatAuthErrors.TokenQueryNotAllowed,
            $"An '{QueryParameterName}' query parameter is accepted only on {string.Join(", ", auth.EffectiveQueryTokenPaths)}; " +
            "send the Authorization header or the cookie instead."),
        SecurityTokenRevokedException => (ChatAuthErrors.TokenRevoked,
            "The access token was revoked (signed out); sign in again."),
        SecurityTokenExpiredException expired => (ChatAuthErrors.TokenExpired,
            $"The access token expired at {expired.Expires:yyyy-MM-ddTHH:mm:ssZ}; sign in again."),
        AggregateException aggregate when aggregate.InnerExceptions.Any(e => e is SecurityTokenExpiredException) =>
            Describe(aggregate.InnerExceptions.First(e => e is SecurityTokenExpiredException), auth),
        _ => (ChatAuthErrors.TokenInvalid,
            "The access token is invalid (malformed, wrong signature, issuer or audience, or not yet valid)."),
    };
}

/// <summary>Marks an <c>access_token</c> query parameter on a path where URLs must not carry tokens.</summary>
internal sealed class QueryTokenNotAllowedException()
    : SecurityTokenValidationException("Query-string tokens are not accepted on this path.");
