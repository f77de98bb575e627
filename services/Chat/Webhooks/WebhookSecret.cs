using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace ChatMesh.Chat.Webhooks;

/// <summary>A Standard Webhooks signing secret: <c>whsec_</c> + base64 of the HMAC key bytes.</summary>
public sealed class WebhookSecret
{
    public const string Prefix = "whsec_";

    /// <summary>The spec asks for 24 to 64 random bytes; we generate 32, the size of the HMAC-SHA256 output.</summary>
    public const int GeneratedKeyBytes = 32;

    private readonly byte[] key;

    private WebhookSecret(byte[] key) => this.key = key;

    /// <summary>The raw HMAC key.</summary>
    public ReadOnlySpan<byte> Key => key;

    /// <summary>A new random secret, for a newly registered webhook.</summary>
    public static WebhookSecret Generate() => new(RandomNumberGenerator.GetBytes(GeneratedKeyBytes));

    /// <summary>Wraps raw key bytes (copied).</summary>
    public static WebhookSecret FromKey(ReadOnlySpan<byte> key) =>
        key.IsEmpty ? throw new ArgumentException("A webhook key must not be empty.", nameof(key)) : new(key.ToArray());

    /// <summary>Parses <c>whsec_&lt;base64&gt;</c> or the bare base64, since providers hand out either form.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out WebhookSecret? secret)
    {
        secret = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var encoded = value.AsSpan().Trim();
        if (encoded.StartsWith(Prefix, StringComparison.Ordinal))
        {
            encoded = encoded[Prefix.Length..];
        }

        var buffer = new byte[encoded.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64Chars(encoded, buffer, out var written) || written == 0)
        {
            return false;
        }

        secret = new WebhookSecret(buffer[..written]);
        return true;
    }

    /// <inheritdoc cref="TryParse"/>
    public static WebhookSecret Parse(string value) =>
        TryParse(value, out var secret)
            ? secret
            : throw new FormatException("A webhook secret is 'whsec_' followed by base64, or the base64 alone.");

    /// <summary>The shareable form, <c>whsec_</c> + base64.</summary>
    public string Encode() => Prefix + Convert.ToBase64String(key);

    /// <summary>Redacted, so a secret never lands in a log by accident; use <see cref="Encode"/> deliberately.</summary>
    public override string ToString() => Prefix + "***";
}
