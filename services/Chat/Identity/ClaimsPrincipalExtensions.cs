using System.Security.Claims;

namespace ChatMesh.Chat.Identity;

/// <summary>Reads ChatMesh identity claims from an authenticated user.</summary>
public static class ClaimsPrincipalExtensions
{
    /// <summary>The user id (<c>sub</c> claim), or null when the principal is anonymous.</summary>
    public static string? FindUserId(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var value = principal.FindFirst(ChatClaimTypes.Subject)?.Value;
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>The user id (<c>sub</c> claim); throws when absent, which behind authorization is a wiring bug.</summary>
    public static string GetUserId(this ClaimsPrincipal principal) =>
        principal.FindUserId()
        ?? throw new InvalidOperationException(
            $"The user has no '{ChatClaimTypes.Subject}' claim. Is the endpoint missing RequireAuthorization()?");

    /// <summary>The display name (<c>name</c> claim), falling back to the user id.</summary>
    public static string GetDisplayName(this ClaimsPrincipal principal)
    {
        var name = principal.FindFirst(ChatClaimTypes.DisplayName)?.Value;
        return string.IsNullOrWhiteSpace(name) ? principal.GetUserId() : name;
    }
}
