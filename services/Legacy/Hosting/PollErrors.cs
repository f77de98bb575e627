namespace ChatMesh.Legacy.Hosting;

/// <summary>The <c>error</c> codes of <c>/poll</c>, besides the chat domain's and the auth codes (docs/protocol.md).</summary>
public static class PollErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidArgument = "invalid_argument";
    public const string QueueNotFound = "queue_not_found";
    public const string QueueExpired = "queue_expired";
    public const string Forbidden = "forbidden";
    public const string InvalidCursor = "invalid_cursor";
    public const string CursorFromFuture = "cursor_from_future";
    public const string CursorBehindAck = "cursor_behind_ack";
    public const string TooManyQueues = "too_many_queues";
    public const string RateLimited = "rate_limited";
    public const string TooManyHeldPolls = "too_many_held_polls";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string Internal = "internal_error";
}
