using System.Globalization;
using System.Security.Claims;
using ChatMesh.Chat.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Identity;

/// <summary>
/// Sign-out (revokes the token) and <c>me</c>, always; development sign-in (no password, anyone becomes anyone) only
/// when <c>Auth:DevSignIn:Enabled</c>.
/// </summary>
public static partial class DevSignInEndpoints
{
    public const string GroupPath = "/api/auth";
    public const int DisplayNameMaxLength = 64;

    /// <summary>Maps <c>POST /api/auth/sign-out</c> and <c>GET /api/auth/me</c>, and <c>POST /api/auth/sign-in</c> when dev sign-in is enabled.</summary>
    public static IEndpointRouteBuilder MapDevSignIn(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        bool enabled;
        try
        {
            enabled = endpoints.ServiceProvider.GetRequiredService<IOptions<ChatAuthOptions>>().Value.IsDevSignInEnabled;
        }
        catch (OptionsValidationException)
        {
            // Invalid options: map nothing and let ValidateOnStart stop the host with the full message, at start.
            return endpoints;
        }

        var group = endpoints.MapGroup(GroupPath).WithTags("Auth");
        // Anonymous so a browser holding an expired cookie can still clear it.
        group.MapPost("/sign-out", SignOut).AllowAnonymous();
        group.MapGet("/me", Me).RequireAuthorization();
        if (enabled)
        {
            LogDevSignInEnabled(endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DevSignInEndpoints)));
            group.MapPost("/sign-in", SignIn).AllowAnonymous();
        }

        return endpoints;
    }

    internal static Results<Ok<SignInResponse>, ValidationProblem> SignIn(
        SignInRequest? request, HttpContext httpContext, ChatTokenIssuer issuer, IOptions<ChatAuthOptions> options)
    {
        var userName = request?.UserName;
        if (!UserName.IsValid(userName))
        {
            return Invalid(
                "userName",
                $"User names are 1–{UserName.MaxLength} characters: lowercase letters and digits, then also '_', '.', '-' ({UserName.Pattern}).",
                ChatAuthErrors.UserNameInvalid);
        }

        var displayName = string.IsNullOrWhiteSpace(request!.DisplayName) ? userName : request.DisplayName.Trim();
        // Control characters would let one user's name rewrite how others' lines look in a terminal or log.
        if (displayName.Length > DisplayNameMaxLength || displayName.Any(char.IsControl))
        {
            return Invalid(
                "displayName",
                $"Display names are 1–{DisplayNameMaxLength} characters after trimming, without control characters.",
                ChatAuthErrors.DisplayNameInvalid);
        }

        var issued = issuer.Issue(userName, displayName);
        httpContext.Response.Cookies.Append(options.Value.CookieName, issued.Token, CookieOptions(httpContext, issued.ExpiresAt));
        return TypedResults.Ok(new SignInResponse(issued.Token, issued.ExpiresAt, userName, displayName));
    }

    /// <summary>Revokes the presented token (header or cookie) by its <c>jti</c> on every service, then deletes the cookie.</summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> SignOut(
        HttpContext httpContext, IOptions<ChatAuthOptions> options, RevokedTokens revoked)
    {
        var auth = options.Value;
        // Only a valid token is revoked: an expired, forged or already revoked one is refused everywhere anyway.
        var result = await httpContext.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (result.Principal is { } user && user.FindFirstValue(ChatClaimTypes.TokenId) is { Length: > 0 } tokenId
            && long.TryParse(user.FindFirstValue("exp"), NumberStyles.None, CultureInfo.InvariantCulture, out var exp))
        {
            // Accepted until exp plus the clock skew, so denied that long.
            var deniedUntil = DateTimeOffset.FromUnixTimeSeconds(exp) + auth.ClockSkew;
            if (httpContext.RequestServices.GetService<IConnectionMultiplexer>() is null)
            {
                revoked.Add(tokenId, deniedUntil);
            }
            else
            {
                try
                {
                    await httpContext.RequestServices.GetRequiredService<TokenRevocationStore>()
                        .RevokeAsync(tokenId, deniedUntil, auth.TokenLifetime + auth.ClockSkew);
                }
                catch (RedisException)
                {
                    // Never answer "signed out" while the token still works elsewhere.
                    return TypedResults.Problem(
                        detail: "The sign-out could not be recorded; the token is still valid. Try again.",
                        statusCode: StatusCodes.Status503ServiceUnavailable,
                        title: "Service Unavailable",
                        extensions: new Dictionary<string, object?> { [ChatAuthProblems.ErrorExtension] = ChatAuthErrors.RevocationUnavailable });
                }
            }
        }

        // Same attributes as when set, or browsers keep the original cookie.
        httpContext.Response.Cookies.Delete(options.Value.CookieName, CookieOptions(httpContext, expiresAt: null));
        return TypedResults.NoContent();
    }

    internal static Ok<MeResponse> Me(ClaimsPrincipal user) =>
        TypedResults.Ok(new MeResponse(user.GetUserId(), user.GetDisplayName()));

    private static CookieOptions CookieOptions(HttpContext httpContext, DateTimeOffset? expiresAt) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        // Secure only over https so plain-http development on loopback still works.
        Secure = httpContext.Request.IsHttps,
        Path = "/",
        Expires = expiresAt,
        IsEssential = true,
    };

    private static ValidationProblem Invalid(string field, string message, string error) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            type: ChatAuthProblems.TypeFor(StatusCodes.Status400BadRequest),
            extensions: new Dictionary<string, object?> { [ChatAuthProblems.ErrorExtension] = error });

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "DEV SIGN-IN IS ENABLED (Auth:DevSignIn:Enabled=true): anyone can sign in as any user, without a password. Never in production: configure Auth:Authority and leave Auth:DevSignIn:Enabled unset.")]
    private static partial void LogDevSignInEnabled(ILogger logger);
}
