using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatMesh.Legacy.Identity;

/// <summary>What legacy changes in the chat's JwtBearer authentication (<c>AddChatAuthentication</c>), for its re-poll cycle.</summary>
internal static class LegacyAuthentication
{
    public static IServiceCollection AddLegacyAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<ValidatedTokenCache>();
        // Resolved from the container rather than built by ActivatorUtilities on each request.
        services.TryAddTransient<CachedJwtBearerHandler>();
        services.PostConfigure<AuthenticationOptions>(static options =>
        {
            if (options.SchemeMap.TryGetValue(JwtBearerDefaults.AuthenticationScheme, out var scheme))
            {
                scheme.HandlerType = typeof(CachedJwtBearerHandler);
            }
        });

        // Nothing here reads the raw token back, and stored it cost every poll a dictionary and two strings, held for the
        // whole hold.
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, static options => options.SaveToken = false);

        // Bearer is the default scheme, so the authentication middleware has already authenticated every request with
        // it: a policy naming it again makes the authorization middleware merge the result into a new principal and
        // ticket on every request, for the same user and the same 401.
        services.PostConfigure<AuthorizationOptions>(static options =>
            options.DefaultPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        // That policy decided without building the authorization service on every request.
        services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, AuthenticatedUserPolicyEvaluator>());
        return services;
    }

    /// <summary>
    /// The authentication and authorization middleware, where WebApplication would add the framework's (after routing,
    /// before the rest of the pipeline): <see cref="CachedTokenAuthenticationMiddleware"/>, which authenticates (and, for the
    /// default policy, authorizes) a cached token itself and hands every other request to the framework's two middleware.
    /// </summary>
    public static IApplicationBuilder UseLegacyAuthentication(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // The properties UseAuthentication and UseAuthorization set: WebApplication then adds neither middleware of its own.
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        app.Properties[AuthorizationMiddlewareSetKey] = true;
        return app.UseMiddleware<CachedTokenAuthenticationMiddleware>();
    }

    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";
}
