using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Identity;

/// <summary>Development sign-in: no password, anyone becomes anyone. Mapped only when <c>Auth:DevSignIn:Enabled</c>.</summary>
public static partial class DevSignInEndpoints
{
    public const string GroupPath = "/api/auth";
    public const int DisplayNameMaxLength = 64;

    /// <summary>Maps <c>POST /api/auth/sign-in</c>, <c>POST /api/auth/sign-out</c> and <c>GET /api/auth/me</c> when dev sign-in is enabled.</summary>
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

        if (!enabled)
        {
            return endpoints;
        }

        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DevSignInEndpoints));
        LogDevSignInEnabled(logger);

        var group = endpoints.MapGroup(GroupPath).WithTags("Auth");
        group.MapPost("/sign-in", SignIn).AllowAnonymous();
        // Anonymous so a browser holding an expired cookie can still clear it.
        group.MapPost("/sign-out", SignOut).AllowAnonymous();
        group.MapGet("/me", Me).RequireAuthorization();
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

    internal static NoContent SignOut(HttpContext httpContext, IOptions<ChatAuthOptions> options)
    {
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
        Message = "Dev sign-in is enabled: anyone can sign in as any user. Set Auth:Authority (or Auth:DevSignIn:Enabled=false) in production.")]
    private static partial void LogDevSignInEnabled(ILogger logger);
}
