using System.Text.Json;
using ChatMesh.Chat.Webhooks;
using StackExchange.Redis;

namespace ChatMesh.Integration.Endpoints;

/// <summary>
/// One registered outbound endpoint, as stored in the Redis hash <c>wh:ep:{id}</c>. <see cref="Revision"/> (<c>rev</c>) goes up
/// with every change the delivery path depends on, so a worker can keep the endpoint in memory while it is unchanged.
/// </summary>
public sealed record WebhookEndpoint(
    string Id,
    string Owner,
    string Url,
    string? Description,
    IReadOnlyList<string>? EventTypes,
    IReadOnlyList<string>? Rooms,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FailingSince,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    long Revision = 0)
{
    /// <summary>The secrets that sign a delivery at <paramref name="now"/>: the current one, then the previous one during the overlap.</summary>
    public IReadOnlyList<WebhookSecret> SigningSecrets(DateTimeOffset now) =>
        SignsWithPrevious(now)
            ? [WebhookSecret.Parse(Secret), WebhookSecret.Parse(PreviousSecret!)]
            : [WebhookSecret.Parse(Secret)];

    /// <summary>Whether the previous secret still signs at <paramref name="now"/> (the overlap after a rotation).</summary>
    public bool SignsWithPrevious(DateTimeOffset now) => PreviousSecret is not null && PreviousSecretExpiresAt > now;

    /// <summary>Whether the event type passes the filter: exact names, or <c>prefix.*</c>; no filter passes all.</summary>
    public bool AcceptsType(string type) =>
        EventTypes is null || EventTypes.Count == 0 || EventTypes.Any(filter =>
            filter.EndsWith(".*", StringComparison.Ordinal)
                ? type.StartsWith(filter[..^1], StringComparison.Ordinal)
                : string.Equals(filter, type, StringComparison.Ordinal));

    /// <summary>Whether a room event passes the room filter; no filter passes every room the owner is a member of.</summary>
    public bool AcceptsRoom(string room) => Rooms is null || Rooms.Contains(room, StringComparer.Ordinal);

    internal HashEntry[] ToHash() =>
    [
        new("id", Id),
        new("owner", Owner),
        new("url", Url),
        new("description", Description ?? ""),
        new("eventTypes", EventTypes is null ? "" : JsonSerializer.Serialize(EventTypes)),
        new("rooms", Rooms is null ? "" : JsonSerializer.Serialize(Rooms)),
        new("enabled", Enabled ? 1 : 0),
        new("disabledReason", DisabledReason ?? ""),
        new("createdAt", CreatedAt.ToUnixTimeMilliseconds()),
        new("failingSince", FailingSince?.ToUnixTimeMilliseconds() ?? 0),
        new("secret", Secret),
        new("previousSecret", PreviousSecret ?? ""),
        new("previousSecretExpiresAt", PreviousSecretExpiresAt?.ToUnixTimeMilliseconds() ?? 0),
    ];

    internal static WebhookEndpoint? FromHash(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var map = entries.ToDictionary(entry => entry.Name.ToString(), entry => entry.Value);
        string? Text(string name) => map.TryGetValue(name, out var value) && !value.IsNullOrEmpty ? value.ToString() : null;
        DateTimeOffset? Time(string name) => map.TryGetValue(name, out var value) && (long)value is > 0 and var ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        IReadOnlyList<string>? List(string name) => Text(name) is { } json ? JsonSerializer.Deserialize<string[]>(json) : null;

        return new WebhookEndpoint(
            Text("id")!, Text("owner")!, Text("url")!, Text("description"), List("eventTypes"), List("rooms"),
            Text("enabled") == "1", Text("disabledReason"), Time("createdAt") ?? DateTimeOffset.UnixEpoch, Time("failingSince"),
            Text("secret")!, Text("previousSecret"), Time("previousSecretExpiresAt"), map.TryGetValue("rev", out var rev) ? (long)rev : 0);
    }
}
