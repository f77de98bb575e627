using System.Buffers;
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
        var (id, timestamp, signatureHeader) = HeadersOf(headers);
        return Verify(id, timestamp, signatureHeader, body, secrets);
    }

    /// <summary>
    /// Checks the headers are present, the timestamp is within the tolerance, and some <c>v1,</c> entry of the
    /// space-separated signature header matches the body under one of <paramref name="secrets"/> (several during rotation).
    /// </summary>
    public WebhookVerificationResult Verify(
        string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, params ReadOnlySpan<WebhookSecret> secrets)
    {
        if (CheckHeaders(id, timestamp, signatureHeader, secrets.Length, out var sentAt) is { } failure)
        {
            return failure;
        }

        var hashBytes = secrets.Length * StandardWebhooks.HashBytes;
        Span<byte> expected = secrets.Length <= StackSecrets ? stackalloc byte[StackSecrets * StandardWebhooks.HashBytes] : new byte[hashBytes];
        for (var i = 0; i < secrets.Length; i++)
        {
            StandardWebhooks.ComputeHash(secrets[i].Key, id, timestamp, body, expected.Slice(i * StandardWebhooks.HashBytes, StandardWebhooks.HashBytes));
        }

        return Match(signatureHeader!, expected[..hashBytes], sentAt);
    }

    /// <summary>
    /// As <see cref="Verify(IHeaderDictionary, ReadOnlySpan{byte}, ReadOnlySpan{WebhookSecret})"/> for a body read from
    /// <paramref name="body"/> (a spool file, say) with one HMAC per secret fed buffer by buffer: the memory used is one
    /// buffer, not the body. The headers are checked first, so a post with none is refused without reading the body.
    /// </summary>
    public async Task<WebhookVerificationResult> VerifyAsync(
        IHeaderDictionary headers, Stream body, IReadOnlyList<WebhookSecret> secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(secrets);
        var (id, timestamp, signatureHeader) = HeadersOf(headers);
        if (CheckHeaders(id, timestamp, signatureHeader, secrets.Count, out var sentAt) is { } failure)
        {
            return failure;
        }

        var hashes = new IncrementalHash[secrets.Count];
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferBytes);
        try
        {
            var prefix = new byte[StandardWebhooks.SignedPrefixLength(id, timestamp)];
            StandardWebhooks.WriteSignedPrefix(id, timestamp, prefix);
            for (var i = 0; i < hashes.Length; i++)
            {
                hashes[i] = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secrets[i].Key);
                hashes[i].AppendData(prefix);
            }

            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, StreamBufferBytes), cancellationToken).ConfigureAwait(false)) > 0)
            {
                foreach (var hash in hashes)
                {
                    hash.AppendData(buffer, 0, read);
                }
            }

            var expected = new byte[hashes.Length * StandardWebhooks.HashBytes];
            for (var i = 0; i < hashes.Length; i++)
            {
                hashes[i].GetHashAndReset(expected.AsSpan(i * StandardWebhooks.HashBytes, StandardWebhooks.HashBytes));
            }

            return Match(signatureHeader!, expected, sentAt);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            foreach (var hash in hashes)
            {
                hash?.Dispose();
            }
        }
    }

    private const int StreamBufferBytes = 64 * 1024;

    private static (string Id, string Timestamp, string Signature) HeadersOf(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var signatures = headers[StandardWebhooks.SignatureHeader];
        return (headers[StandardWebhooks.IdHeader].ToString(), headers[StandardWebhooks.TimestampHeader].ToString(),
            signatures.Count > 1 ? string.Join(' ', signatures.ToArray()) : signatures.ToString());
    }

    /// <summary>The failure of the headers alone (missing, timestamp unparsable or out of tolerance), or null and when it was sent.</summary>
    private WebhookVerificationResult? CheckHeaders(
        string? id, string? timestamp, string? signatureHeader, int secrets, out DateTimeOffset sentAt)
    {
        if (secrets == 0)
        {
            throw new ArgumentException("At least one secret is needed to verify a webhook.", nameof(secrets));
        }

        sentAt = default;
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

        sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (now - seconds > toleranceSeconds)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.TimestampTooOld, sentAt);
        }

        if (seconds - now > toleranceSeconds)
        {
            return WebhookVerificationResult.Fail(WebhookVerificationFailure.TimestampTooNew, sentAt);
        }

        return null;
    }

    private static WebhookVerificationResult Match(string signatureHeader, ReadOnlySpan<byte> expected, DateTimeOffset sentAt)
    {
        var matched = FindMatch(signatureHeader, expected);
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
