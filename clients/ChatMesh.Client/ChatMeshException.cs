namespace ChatMesh.Client;

/// <summary>The server refused something: <see cref="Code"/> is its documented error code (problem details <c>error</c>, error frame <c>code</c>, or close reason).</summary>
public sealed class ChatMeshException : Exception
{
    /// <summary>A refusal with no code.</summary>
    public ChatMeshException()
        : this("unknown", "ChatMesh refused the request.")
    {
    }

    /// <summary>A refusal with no code.</summary>
    public ChatMeshException(string message)
        : this("unknown", message)
    {
    }

    /// <summary>A refusal with no code, caused by <paramref name="innerException"/>.</summary>
    public ChatMeshException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "unknown";
    }

    /// <summary>A refusal with the server's <paramref name="code"/>.</summary>
    public ChatMeshException(string code, string message, int? status = null, int? closeStatus = null)
        : base(message)
    {
        Code = code;
        Status = status;
        CloseStatus = closeStatus;
    }

    /// <summary>The server's error code, e.g. <c>token_invalid</c>, <c>not_member</c>, <c>token_revoked</c>.</summary>
    public string Code { get; }

    /// <summary>The HTTP status of a refused request, when there was one.</summary>
    public int? Status { get; }

    /// <summary>The WebSocket close code that ended the connection, when that is how it was refused (4001, 4002).</summary>
    public int? CloseStatus { get; }

    /// <summary>
    /// When the server says the request may succeed: <c>slow_mode</c>'s <c>retryAfterMs</c> (problem details member or error
    /// frame member), else an HTTP <c>Retry-After</c> header; null when it said nothing.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The identity was refused (signing in again is the only way on): no channel will accept it, so the client stops.</summary>
    public bool IsAuthenticationFailure => Status == 401 || CloseStatus is 4001 or 4002 || Code.StartsWith("token_", StringComparison.Ordinal);

    /// <summary>Worth retrying as is (a send with the same idempotency key): the server failed or was unreachable.</summary>
    /// <remarks><c>slow_mode</c> is not: the room allows the next post only after <see cref="RetryAfter"/> (up to hours), so the caller decides.</remarks>
    internal bool IsTransient => Code != "slow_mode"
        && (Code is "internal_error" or "rate_limited" or "revocation_unavailable" || Status is >= 500 or 429 or 408);
}
