namespace ChatMesh.Integration.Attempts;

/// <summary>Why an attempt failed, as the attempt log names it.</summary>
public static class AttemptErrors
{
    public const string Timeout = "timeout";
    public const string Connection = "connection";
    public const string SsrfBlocked = "ssrf_blocked";
    public const string HttpStatus = "http_status";
    public const string Redirect = "redirect";
}

/// <summary>
/// One delivery attempt. <see cref="Status"/> is the HTTP status (null when no response came), <see cref="Error"/> null on success,
/// <see cref="ResponseBody"/> the first KiB of the answer as text.
/// </summary>
public sealed record AttemptRecord(
    string Endpoint,
    long EventId,
    int Attempt,
    DateTimeOffset At,
    int? Status,
    long LatencyMs,
    bool Success,
    string? Error,
    string? ErrorDetail,
    string? ResponseBody,
    DateTimeOffset? NextAttemptAt);
