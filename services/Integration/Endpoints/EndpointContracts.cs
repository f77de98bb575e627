using System.Text.Json.Serialization;

namespace ChatMesh.Integration.Endpoints;

/// <summary>
/// Body of create (<c>POST</c>) and update (<c>PUT</c>): <see cref="EventTypes"/> exact types or <c>prefix.*</c>, omitted = all;
/// <see cref="Rooms"/> omitted = every room the owner is a member of when the event happens.
/// </summary>
public sealed record EndpointRequest(string? Url, string? Description, string[]? EventTypes, string[]? Rooms, bool? Enabled);

/// <summary>An endpoint as the API shows it. <see cref="Secret"/> appears only in the answers to create and rotate.</summary>
public sealed record EndpointResponse(
    string Id,
    string Url,
    string? Description,
    IReadOnlyList<string>? EventTypes,
    IReadOnlyList<string>? Rooms,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FailingSince,
    DateTimeOffset? PreviousSecretExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
{
    public static EndpointResponse From(WebhookEndpoint endpoint, DateTimeOffset now, bool withSecret = false)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new(
            endpoint.Id, endpoint.Url, endpoint.Description, endpoint.EventTypes, endpoint.Rooms, endpoint.Enabled, endpoint.DisabledReason,
            endpoint.CreatedAt, endpoint.FailingSince, endpoint.PreviousSecretExpiresAt > now ? endpoint.PreviousSecretExpiresAt : null,
            withSecret ? endpoint.Secret : null);
    }
}
