using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// This service's authentication middleware, in the framework's place (<see cref="LegacyAuthentication.UseLegacyAuthentication"/>).
/// A request whose token is in <see cref="ValidatedTokenCache"/>, unexpired, not revoked and found where the chat's
/// <c>MessageReceived</c> event accepts it (<see cref="CachedTokenAuthentication"/>: what a client's re-poll is) is
/// authenticated here, as the framework's middleware would leave it (<c>HttpContext.User</c>, the authentication features),
/// without the authentication service, the handler provider, the handler and the scope's services they cost each request,
/// and the request goes on without an awaiting frame of this middleware kept for its whole hold. Every other request — no
/// token, a miss, a refusal, an event that does not complete at once, a claims transformation — goes through the
/// framework's <see cref="AuthenticationMiddleware"/> unchanged, so every refusal and challenge is JwtBearer's.
/// </summary>
internal sealed class CachedTokenAuthenticationMiddleware
{
    private readonly RequestDelegate _next;
    private readonly AuthenticationMiddleware _framework;
    private readonly ValidatedTokenCache _cache;
    private readonly IOptionsMonitor<JwtBearerOptions> _options;
    private readonly AuthenticationScheme? _scheme;

    public CachedTokenAuthenticationMiddleware(
        RequestDelegate next, IAuthenticationSchemeProvider schemes, ValidatedTokenCache cache,
        IOptionsMonitor<JwtBearerOptions> options, IServiceProvider services)
    {
        _next = next;
        _framework = new AuthenticationMiddleware(next, schemes);
        _cache = cache;
        _options = options;
        _scheme = CachedScheme(schemes, services);
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (_scheme is null || !_cache.Enabled)
        {
            return _framework.Invoke(context);
        }

        var options = _options.Get(_scheme.Name);
        var events = options.EventsType is { } type ? context.RequestServices.GetRequiredService(type) as JwtBearerEvents : options.Events;
        if (events is null || options.ForwardAuthenticate is not null || options.ForwardDefault is not null || options.ForwardDefaultSelector is not null)
        {
            return _framework.Invoke(context);
        }

        var pending = CachedTokenAuthentication.TryAuthenticateAsync(context, _scheme, options, events, _cache);
        return pending.IsCompletedSuccessfully
            ? Continue(context, pending.Result.Result)
            : ContinueAsync(context, pending);
    }

    private async Task ContinueAsync(HttpContext context, ValueTask<(AuthenticateResult? Result, string? Missed)> pending) =>
        await Continue(context, (await pending).Result);

    private Task Continue(HttpContext context, AuthenticateResult? cached)
    {
        if (cached is not { Succeeded: true })
        {
            // No cached token, or refused: the framework authenticates again and answers (its events run again: they decide
            // the same way, and only a success has effects).
            return _framework.Invoke(context);
        }

        // What the framework's middleware sets for a successful authentication of the default scheme.
        context.Features.Set<IAuthenticationFeature>(new AuthenticationFeature { OriginalPath = context.Request.Path, OriginalPathBase = context.Request.PathBase });
        var features = new AuthenticatedFeatures(cached);
        context.Features.Set<IHttpAuthenticationFeature>(features);
        context.Features.Set<IAuthenticateResultFeature>(features);
        return _next(context);
    }

    /// <summary>
    /// The scheme this middleware may authenticate itself, resolved once: the default authenticate scheme, when it is this
    /// service's JwtBearer (<see cref="CachedJwtBearerHandler"/>), no scheme handles requests itself (a remote sign-in's
    /// callback) and claims are not transformed. Null: every request goes to the framework.
    /// </summary>
    private static AuthenticationScheme? CachedScheme(IAuthenticationSchemeProvider schemes, IServiceProvider services)
    {
        // Completed at once by the framework's scheme provider (a dictionary); any other provider is left to the framework.
        var requestHandlers = schemes.GetRequestHandlerSchemesAsync();
        var defaultScheme = schemes.GetDefaultAuthenticateSchemeAsync();
        if (!requestHandlers.IsCompletedSuccessfully || requestHandlers.Result.Any() || !defaultScheme.IsCompletedSuccessfully)
        {
            return null;
        }

        using var scope = services.CreateScope();
        var transform = scope.ServiceProvider.GetService<IClaimsTransformation>();
        return defaultScheme.Result is { HandlerType: var handler } scheme && handler == typeof(CachedJwtBearerHandler)
            && transform is null or NoopClaimsTransformation
            ? scheme
            : null;
    }

    /// <summary>The framework's authentication features (internal there): the result, and the user it names until replaced.</summary>
    private sealed class AuthenticatedFeatures(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        private ClaimsPrincipal? _user = result.Principal;
        private AuthenticateResult? _result = result;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                _user = value?.Principal;
            }
        }

        public ClaimsPrincipal? User
        {
            get => _user;
            set
            {
                _user = value;
                _result = null;
            }
        }
    }
}
