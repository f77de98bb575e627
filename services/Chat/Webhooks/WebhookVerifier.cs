using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Webhooks;

/// <summary>Verifies Standard Webhooks v1 deliveries; ordinary failures are results, not exceptions.</summary>
/// <param name="timeProvider">The clock the timestamp is checked against.</param>
/// <param name="tolerance">Allowed distance between the timestamp and now; default <see cref="StandardWebhooks.DefaultTolerance"/>.</param>
public sealed class WebhookVerifier(TimeProvider timeProvider, TimeSpan? tolerance = null)
{
    /// <summary>Stack space for the expected hashes; more secrets than this are rare and go to the heap.</summary>
    private const int StackSecrets = 8;

    private readonly long toleranceSeconds = tolerance is { } t && t < TimeSpan.Zero
        ? throw new ArgumentOutOfRangeException(nameof(tolerance), t, "The tolerance must not be negative.")
        : (long)(tolerance ?? StandardWebhooks.DefaultTolerance).TotalSeconds;

    /// <summary>Reads the three headers from a request; several signature header lines count as one list.</summary>
    public WebhookVerificationResult Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, params ReadOnlySpan<WebhookSecret> secrets)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var signatures = headers[StandardWebhooks.SignatureHeader];
        return Verify(
            headers[StandardWebhooks.IdHeader].ToString(),
            headers[StandardWebhooks.TimestampHeader].ToString(),
            signatures.Count > 1 ? string.Join(' ', signatures.ToArray()) : signatures.ToString(),
            body,
            secrets);
    }

    /// <summary>
    /// Checks the headers are present, the timestamp is within the tolerance, and some <c>v1,</c> entry of the
    /// space-separated signature header matches the body under one of <paramref name="secrets"/> (several during rotation).
    /// </summary>
    public WebhookVerificationResult Verify(
        string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, params ReadOnlySpan<WebhookSecret> secrets)
    {
        if (secrets.IsEmpty)
        {
            throw new ArgumentException("At least one secret is needed to verify a webhook.", nameof(secrets));
        }

        if (string.IsNullOrEmpty(id))
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MissingId);
        }

        if (string.IsNullOrEmpty(timestamp))
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MissingTimestamp);
        }

        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.MissingSignature);
        }

        if (timestamp.Length > 18 || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.InvalidTimestamp);
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (now - seconds > toleranceSeconds)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.TimestampTooOld, sentAt);
        }

        if (seconds - now > toleranceSeconds)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.TimestampTooNew, sentAt);
        }

        var hashBytes = secrets.Length * StandardWebhooks.HashBytes;
        Span<byte> expected = secrets.Length <= StackSecrets ? stackalloc byte[StackSecrets * StandardWebhooks.HashBytes] : new byte[hashBytes];
        for (var i = 0; i < secrets.Length; i++)
        {
            StandardWebhooks.ComputeHash(secrets[i].Key, id, timestamp, body, expected.Slice(i * StandardWebhooks.HashBytes, StandardWebhooks.HashBytes));
        }

        var matched = FindMatch(signatureHeader, expected[..hashBytes]);
        return matched < 0
            ? WebhookVerificationResult.Fail(WebhookVerificationFailure.NoMatchingSignature, sentAt)
            : new WebhookVerificationResult(WebhookVerificationFailure.None, matched, sentAt);
    }

    /// <summary>The index of the secret whose hash some <c>v1,</c> entry carries, or -1; other versions are ignored.</summary>
    private static int FindMatch(ReadOnlySpan<char> header, ReadOnlySpan<byte> expected)
    {
        Span<byte> candidate = stackalloc byte[StandardWebhooks.HashBytes];
        foreach (var range in header.Split(' '))
        {
            var entry = header[range];
            var comma = entry.IndexOf(',');
            if (comma < 0 || !entry[..comma].SequenceEqual(StandardWebhooks.SignatureVersion))
            {
                continue;
            }

            // Anything that does not decode to exactly one hash cannot match; skip it rather than fail the header.
            if (!Convert.TryFromBase64Chars(entry[(comma + 1)..], candidate, out var written) || written != StandardWebhooks.HashBytes)
            {
                continue;
            }

            for (var i = 0; i * StandardWebhooks.HashBytes < expected.Length; i++)
            {
                if (CryptographicOperations.FixedTimeEquals(candidate, expected.Slice(i * StandardWebhooks.HashBytes, StandardWebhooks.HashBytes)))
                {
                    return i;
                }
            }
        }

        return -1;
    }
}
