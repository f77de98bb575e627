namespace ChatMesh.Integration;

/// <summary>
/// The <c>error</c> codes of the webhooks API, beside the shared ones (<see cref="Chat.Problems.ApiErrors"/>) and the chat
/// domain's (<c>not_member</c>, <c>room_not_found</c>, …).
/// </summary>
public static class IntegrationErrors
{
    /// <summary>400: the URL is not an absolute http(s) URL, carries credentials, or is http while https is required.</summary>
    public const string InvalidUrl = "invalid_url";

    /// <summary>400: the target resolves to an address inside the network (loopback, private, link-local, …).</summary>
    public const string TargetNotAllowed = "target_not_allowed";

    /// <summary>400: the target host does not resolve.</summary>
    public const string TargetUnresolvable = "target_unresolvable";

    /// <summary>404: no endpoint with this id belongs to the caller.</summary>
    public const string EndpointNotFound = "endpoint_not_found";

    /// <summary>404: no message of this event for this endpoint (never matched, or beyond retention).</summary>
    public const string MessageNotFound = "message_not_found";

    /// <summary>409: the message is being delivered right now; replay it once the attempt ends.</summary>
    public const string ReplayInProgress = "replay_in_progress";

    /// <summary>409: the caller already has the maximum number of endpoints or hooks.</summary>
    public const string LimitReached = "limit_reached";

    /// <summary>404: no inbound hook has this token (or id, for its owner).</summary>
    public const string HookNotFound = "hook_not_found";

    /// <summary>401: the hook requires Standard Webhooks signatures and this one is missing, stale or wrong.</summary>
    public const string SignatureInvalid = "signature_invalid";

    /// <summary>429: the hook's per-minute budget is spent; see Retry-After.</summary>
    public const string RateLimited = "rate_limited";
}
