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
        return SignAll([secret], id, timestamp, body);
    }

    /// <inheritdoc cref="Sign(WebhookSecret, string, long, ReadOnlySpan{byte})"/>
    public static string Sign(WebhookSecret secret, string id, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Sign(secret, id, timestamp, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>
    /// The <c>webhook-signature</c> value signed with every secret in turn (<c>v1,&lt;a&gt; v1,&lt;b&gt;</c>, space-separated, as the
    /// spec allows during a key rotation), built as one string: the delivery hot path signs each attempt.
    /// </summary>
    public static string SignAll(IReadOnlyList<WebhookSecret> secrets, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (secrets.Count == 0)
        {
            throw new ArgumentException("At least one secret signs a delivery.", nameof(secrets));
        }

        Span<char> timestampChars = stackalloc char[20];
        timestamp.TryFormat(timestampChars, out var length, provider: CultureInfo.InvariantCulture);
        const int EncodedHash = (HashBytes + 2) / 3 * 4;
        var each = SignatureVersion.Length + 1 + EncodedHash; // "v1," + base64
        var total = secrets.Count * (each + 1) - 1;
        Span<char> chars = total <= 512 ? stackalloc char[total] : new char[total];
        Span<byte> hash = stackalloc byte[HashBytes];
        for (var i = 0; i < secrets.Count; i++)
        {
            ComputeHash(secrets[i].Key, id, timestampChars[..length], body, hash);
            var slot = chars.Slice(i * (each + 1), each);
            SignatureVersion.AsSpan().CopyTo(slot);
            slot[SignatureVersion.Length] = ',';
            Convert.TryToBase64Chars(hash, slot[(SignatureVersion.Length + 1)..], out _);
            if (i > 0)
            {
                chars[i * (each + 1) - 1] = ' ';
            }
        }

        return new string(chars);
    }

    /// <summary>HMAC-SHA256 over <c>id.timestamp.body</c>: one-shot over a pooled copy (cheaper than an incremental HMAC context per call).</summary>
    internal static void ComputeHash(
        ReadOnlySpan<byte> key, ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        var prefixLength = SignedPrefixLength(id, timestamp);
        var rented = ArrayPool<byte>.Shared.Rent(prefixLength + body.Length);
        try
        {
            var message = rented.AsSpan(0, prefixLength + body.Length);
            var written = WriteSignedPrefix(id, timestamp, message);
            body.CopyTo(message[written..]);
            HMACSHA256.HashData(key, message, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The length of what is signed before the body, <c>id.timestamp.</c> (see <see cref="WriteSignedPrefix"/>).</summary>
    internal static int SignedPrefixLength(ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp) =>
        Encoding.UTF8.GetByteCount(id) + Encoding.UTF8.GetByteCount(timestamp) + 2;

    /// <summary>Writes what is signed before the body, <c>id.timestamp.</c>, and returns its length.</summary>
    internal static int WriteSignedPrefix(ReadOnlySpan<char> id, ReadOnlySpan<char> timestamp, Span<byte> destination)
    {
        var written = Encoding.UTF8.GetBytes(id, destination);
        destination[written++] = (byte)'.';
        written += Encoding.UTF8.GetBytes(timestamp, destination[written..]);
        destination[written++] = (byte)'.';
        return written;
    }
}
