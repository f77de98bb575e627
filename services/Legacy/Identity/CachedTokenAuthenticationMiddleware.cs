using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// This service's authentication and authorization middleware, in the framework's place
/// (<see cref="LegacyAuthentication.UseLegacyAuthentication"/>). A request whose token is in <see cref="ValidatedTokenCache"/>,
/// unexpired, not revoked and found where the chat's <c>MessageReceived</c> event accepts it
/// (<see cref="CachedTokenAuthentication"/>: what a client's re-poll is) is authenticated here, as the framework's middleware
/// would leave it (<c>HttpContext.User</c>, the authentication features), without the authentication service, the handler
/// provider, the handler and the scope's services they cost each request. When its endpoint requires nothing but an
/// authenticated user (the default policy, as every <c>/poll</c> route), it is authorized here too, as
/// <see cref="AuthenticatedUserPolicyEvaluator"/> decides it; the request then goes on with no awaiting frame of either
/// middleware kept for its whole hold. Every other request — no token, a miss, a refusal, an event that does not complete
/// at once, a claims transformation, another policy, no endpoint — goes through the framework's
/// <see cref="AuthenticationMiddleware"/> and <see cref="AuthorizationMiddleware"/> unchanged, so every refusal and
/// challenge is JwtBearer's and every other policy's decision the framework's.
/// </summary>
internal sealed class CachedTokenAuthenticationMiddleware
{
    // What the framework's authorization middleware leaves for the endpoint middleware, which refuses to run an endpoint with
    // authorization metadata otherwise.
    private const string AuthorizationInvokedKey = "__AuthorizationMiddlewareWithEndpointInvoked";
    private static readonly object AuthorizationInvoked = new();

    private readonly RequestDelegate _next;
    private readonly AuthorizationMiddleware _authorization;
    private readonly AuthenticationMiddleware _framework;
    private readonly ValidatedTokenCache _cache;
    private readonly IOptionsMonitor<JwtBearerOptions> _options;
    private readonly AuthenticationScheme? _scheme;
    private readonly bool _defaultPolicyIsAuthenticatedUser;
    private readonly ConcurrentDictionary<Endpoint, bool> _authenticatedUserOnly = new();

    public CachedTokenAuthenticationMiddleware(
        RequestDelegate next, IAuthenticationSchemeProvider schemes, IAuthorizationPolicyProvider policies, ValidatedTokenCache cache,
        IOptionsMonitor<JwtBearerOptions> options, IServiceProvider services, ILogger<AuthorizationMiddleware> logger)
    {
        _next = next;
        _authorization = new AuthorizationMiddleware(next, policies, services, logger);
        _framework = new AuthenticationMiddleware(_authorization.Invoke, schemes);
        _cache = cache;
        _options = options;
        _scheme = CachedScheme(schemes, services);
        _defaultPolicyIsAuthenticatedUser = DefaultPolicyIsAuthenticatedUser(policies, services);
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
        if (!_defaultPolicyIsAuthenticatedUser || context.GetEndpoint() is not { } endpoint
            || !_authenticatedUserOnly.GetOrAdd(endpoint, RequiresAuthenticatedUserOnly)
            || !AuthenticatedUserPolicyEvaluator.IsAuthenticated(cached.Principal))
        {
            return _authorization.Invoke(context);
        }

        context.Items[AuthorizationInvokedKey] = AuthorizationInvoked;
        return _next(context);
    }

    /// <summary>
    /// Whether the endpoint's policy is the default one and nothing else: authorization metadata without a policy name,
    /// roles, schemes, requirements or policies of its own, and not anonymous.
    /// </summary>
    private static bool RequiresAuthenticatedUserOnly(Endpoint endpoint)
    {
        var metadata = endpoint.Metadata;
        var authorizeData = metadata.GetOrderedMetadata<IAuthorizeData>();
        if (authorizeData.Count == 0 || metadata.GetMetadata<IAllowAnonymous>() is not null
            || metadata.GetOrderedMetadata<AuthorizationPolicy>().Count > 0 || metadata.GetOrderedMetadata<IAuthorizationRequirementData>().Count > 0)
        {
            return false;
        }

        foreach (var data in authorizeData)
        {
            if (data.Policy is not null || data.Roles is not null || data.AuthenticationSchemes is not null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the default policy requires an authenticated user and nothing else (<see cref="LegacyAuthentication"/> sets it
    /// so), from the framework's own policy provider, decided with this service's evaluator and the framework's result handler.
    /// </summary>
    private static bool DefaultPolicyIsAuthenticatedUser(IAuthorizationPolicyProvider policies, IServiceProvider services)
    {
        if (policies.GetType() != typeof(DefaultAuthorizationPolicyProvider)
            || services.GetService<IPolicyEvaluator>() is not AuthenticatedUserPolicyEvaluator
            || services.GetService<IAuthorizationMiddlewareResultHandler>()?.GetType() != typeof(AuthorizationMiddlewareResultHandler))
        {
            return false;
        }

        var policy = policies.GetDefaultPolicyAsync();
        return policy.IsCompletedSuccessfully
            && policy.Result is { AuthenticationSchemes.Count: 0, Requirements: [DenyAnonymousAuthorizationRequirement] };
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
