namespace ChatMesh.Gateway.Api.Messages;

/// <summary>The <c>Idempotency-Key</c> request header: 1–128 printable ASCII characters (0x20–0x7E), at most once.</summary>
internal static class IdempotencyKey
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxLength = 128;

    /// <summary>Null when valid; otherwise why not.</summary>
    public static string? Check(string[]? values, out string? key)
    {
        key = null;
        if (values is null || values.Length == 0)
        {
            return null;
        }

        if (values.Length > 1)
        {
            return $"Send at most one {HeaderName} header.";
        }

        var value = values[0];
        if (value.Length is 0 or > MaxLength || !value.All(c => c is >= ' ' and <= '~'))
        {
            return $"{HeaderName} must be 1–{MaxLength} printable ASCII characters.";
        }

        key = value;
        return null;
    }
}
