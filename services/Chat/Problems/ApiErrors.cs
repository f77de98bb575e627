namespace ChatMesh.Chat.Problems;

/// <summary>
/// The <c>error</c> codes the API adds to the chat domain's own (<see cref="EventLog.ChatException.Code"/>)
/// and to the auth codes (<see cref="Identity.ChatAuthErrors"/>).
/// </summary>
public static class ApiErrors
{
    /// <summary>400: the request itself is malformed: bad JSON, a missing body or field, an unparsable route or query value, a bad header.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>400: a well-formed value out of range (a query <c>limit</c>, a negative cursor).</summary>
    public const string InvalidArgument = "invalid_argument";

    /// <summary>413: the body is larger than the service's body cap (e.g. <c>Gateway:Api:MaxRequestBodyBytes</c>).</summary>
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>415: a body that is not <c>application/json</c> (refused by routing before the endpoint runs).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>404: no such route (a missing room or message has its own code).</summary>
    public const string NotFound = "not_found";

    /// <summary>500: an unexpected failure (Redis unreachable, a bug); nothing is known to be written. Details are only in the logs.</summary>
    public const string Internal = "internal_error";

    /// <summary>
    /// 503: Redis could not serve the request for a moment (unreachable, timed out, a failover under way); <c>Retry-After</c>
    /// is 1 s. Whether a write went through is unknown, as for 500: retry a send with the same idempotency key.
    /// </summary>
    public const string StoreUnavailable = "store_unavailable";

    /// <summary>429: the caller repeated a rate-limited request too soon; <c>Retry-After</c> says when to try again.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>405: the route exists but not with this method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";
}
