namespace ChatMesh.Chat.Webhooks;

/// <summary>Why a delivery was refused, in the order the checks run.</summary>
public enum WebhookVerificationFailure
{
    None = 0,
    MissingId,
    MissingTimestamp,
    MissingSignature,

    /// <summary>The timestamp is not a whole number of Unix seconds.</summary>
    InvalidTimestamp,

    /// <summary>Older than the tolerance: a replay, or a sender clock far behind.</summary>
    TimestampTooOld,

    /// <summary>Further ahead than the tolerance: a sender clock far ahead.</summary>
    TimestampTooNew,

    /// <summary>No <c>v1,</c> entry matches any of the secrets: wrong secret or tampered id, timestamp or body.</summary>
    NoMatchingSignature,
}

/// <summary>Outcome of <see cref="WebhookVerifier.Verify(string?, string?, string?, ReadOnlySpan{byte}, ReadOnlySpan{WebhookSecret})"/>.</summary>
/// <param name="Failure"><see cref="WebhookVerificationFailure.None"/> when the delivery is authentic.</param>
/// <param name="MatchedSecretIndex">Which of the given secrets matched (to retire old ones after rotation), or -1.</param>
/// <param name="Timestamp">The parsed <c>webhook-timestamp</c>, when it parsed.</param>
public readonly record struct WebhookVerificationResult(
    WebhookVerificationFailure Failure, int MatchedSecretIndex, DateTimeOffset? Timestamp)
{
    public bool IsValid => Failure == WebhookVerificationFailure.None;

    internal static WebhookVerificationResult Fail(WebhookVerificationFailure failure, DateTimeOffset? timestamp = null) =>
        new(failure, -1, timestamp);
}
