using System.Text.Json.Serialization;

namespace ChatMesh.Integration.Inbound;

/// <summary>Body of <c>POST /api/webhooks/incoming</c>. <see cref="Signed"/> true makes the hook demand Standard Webhooks signatures.</summary>
public sealed record CreateHookRequest(string? Room, string? Name, bool? Signed);

/// <summary>
/// An inbound hook. <see cref="Token"/>, <see cref="Url"/> and <see cref="Secret"/> appear only in the answer to create:
/// the token is a credential and only its hash is kept.
/// </summary>
public sealed record HookResponse(
    string Id,
    string Room,
    string Name,
    string Bot,
    bool Signed,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
{
    public static HookResponse From(InboundHook hook) =>
        new(hook.Id, hook.Room, hook.Name, hook.BotId, hook.Secret is not null, hook.CreatedAt);
}

/// <summary>Body of <c>POST /hooks/{token}</c>, the Slack incoming-webhook shape.</summary>
public sealed record HookPost(string? Text, string? Username);

/// <summary>Answer to a hook post: the message id; <see cref="Duplicate"/> when the idempotency key was seen before.</summary>
public sealed record HookPostResponse(long Id, bool Duplicate);
