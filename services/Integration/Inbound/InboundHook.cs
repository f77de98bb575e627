using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatMesh.Integration.Inbound;

/// <summary>
/// An inbound hook: posts to <c>/hooks/{token}</c> land in <see cref="Room"/> as the bot <see cref="BotId"/>. Only the
/// SHA-256 of the token is stored. <see cref="Secret"/>, when set, makes Standard Webhooks signatures mandatory.
/// </summary>
public sealed record InboundHook(string Id, string Owner, string Room, string Name, string TokenHash, string? Secret, DateTimeOffset CreatedAt)
{
    /// <summary>
    /// The bot's user id, <c>hook-</c> + 32 hex digits: 37 characters, longer than any user name sign-in accepts (32), so no
    /// person can ever sign in as a hook.
    /// </summary>
    public string BotId => BotPrefix + Id;

    public const string BotPrefix = "hook-";

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>256 random bits, base64url: unguessable, and safe in a URL path.</summary>
    public static string NewToken() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    internal HashEntry[] ToHash() =>
    [
        new("id", Id), new("owner", Owner), new("room", Room), new("name", Name), new("tokenHash", TokenHash),
        new("secret", Secret ?? ""), new("createdAt", CreatedAt.ToUnixTimeMilliseconds()),
    ];

    internal static InboundHook? FromHash(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var map = entries.ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString());
        return new InboundHook(
            map["id"], map["owner"], map["room"], map["name"], map["tokenHash"], map["secret"] is { Length: > 0 } secret ? secret : null,
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(map["createdAt"], System.Globalization.CultureInfo.InvariantCulture)));
    }
}
