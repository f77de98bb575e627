using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ChatMesh.Chat.Webhooks;

/// <summary>
/// Standard Webhooks v1 (standardwebhooks.com): <c>webhook-signature = "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))</c>,
/// with the timestamp in Unix seconds. Used to sign outbound webhooks and verify inbound ones.
/// </summary>
public static class StandardWebhooks
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SignatureVersion = "v1";

    /// <summary>How far the timestamp may be from now before a delivery counts as a replay (or a clock far off).</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(300);

    internal const int HashBytes = 32;

    /// <summary>The <c>webhook-signature</c> value for one delivery: <c>v1,&lt;base64&gt;</c>.</summary>
    public static string Sign(WebhookSecret secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentException.ThrowIfNullOrEmpty(id);
        Span<char> timestampChars = stackalloc char[20];
        timestamp.TryFormat(timestampChars, out var length, provider: CultureInfo.InvariantCulture);

        Span<byte> hash = stackalloc byte[HashBytes];
        ComputeHash(secret.Key, id, timestampChars[..length], body, hash);
        return SignatureVersion + "," + Convert.ToBase64String(hash);
    }

    /// <inheritdoc cref="Sign(WebhookSecret, string, long, ReadOnlySpan{byte})"/>
    public static string Sign(WebhookSecret secret, string id, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Sign(secret, id, timestamp, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>HMAC-SHA256 over <c>id.timestamp.body</c> without concatenating the body into a new buffer.</summary>
    internal static void ComputeHash(
        ReadOnlySpan<byte> key, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        var prefixLength = Encoding.UTF8.GetByteCount(id) + Encoding.UTF8.GetByteCount(timestamp) + 2;
        var rented = ArrayPool<byte>.Shared.Rent(prefixLength);
        try
        {
            var prefix = rented.AsSpan(0, prefixLength);
            var written = Encoding.UTF8.GetBytes(id, prefix);
            prefix[written++] = (byte)'.';
            written += Encoding.UTF8.GetBytes(timestamp, prefix[written..]);
            prefix[written] = (byte)'.';

            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
