using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// The authorization middleware's policy evaluator in this service, one for the whole process where the framework's is
/// built per request (with the authorization service, its handler context, the handlers' list and three tasks: about a
/// tenth of the bytes a re-poll allocated, docs/benchmarks.md, poll12). Every <c>/poll</c> route requires an authenticated
/// user and nothing else (<see cref="LegacyAuthentication"/>'s default policy): for that policy, an authenticated user
/// succeeds here without the authorization service, as the framework's <see cref="DenyAnonymousAuthorizationRequirement"/>
/// decides it. Anything else — an anonymous user (the challenge: the same 401 and <c>WWW-Authenticate</c>), a policy with
/// other requirements or schemes — goes to the framework's <see cref="PolicyEvaluator"/>, so its answers are its own.
/// </summary>
internal sealed class AuthenticatedUserPolicyEvaluator : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> Succeeded = Task.FromResult(PolicyAuthorizationResult.Success());

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        // A policy naming no scheme uses what the authentication middleware found, as the framework's evaluator does.
        return policy.AuthenticationSchemes.Count == 0 && context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult is { } found
            ? Task.FromResult(found)
            : Framework(context).AuthenticateAsync(policy, context);
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(
        AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        return IsAuthenticatedUserOnly(policy) && IsAuthenticated(context.User)
            ? Succeeded
            : Framework(context).AuthorizeAsync(policy, authenticationResult, context, resource);
    }

    private static bool IsAuthenticatedUserOnly(AuthorizationPolicy policy) =>
        policy.Requirements is [DenyAnonymousAuthorizationRequirement];

    // DenyAnonymousAuthorizationRequirement's own test: some identity of the user is authenticated.
    internal static bool IsAuthenticated(System.Security.Claims.ClaimsPrincipal? user)
    {
        if (user?.Identity is null)
        {
            return false;
        }

        foreach (var identity in user.Identities)
        {
            if (identity.IsAuthenticated)
            {
                return true;
            }
        }

        return false;
    }

    private static PolicyEvaluator Framework(HttpContext context) =>
        new(context.RequestServices.GetRequiredService<IAuthorizationService>());
}
