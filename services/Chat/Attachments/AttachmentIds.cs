using System.Security.Cryptography;

namespace ChatMesh.Chat.Attachments;

/// <summary>Attachment ids: 128 random bits as 32 lowercase hex digits, so an id cannot be guessed or derived from the content.</summary>
public static class AttachmentIds
{
    public const int Length = 32;

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Length / 2));

    public static bool IsValid(string? id) => id is { Length: Length } && id.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));
}
