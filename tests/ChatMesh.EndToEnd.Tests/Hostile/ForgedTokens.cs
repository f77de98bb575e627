using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Hostile;

/// <summary>Tokens an attacker can make: unsigned (<c>alg: none</c>), for another audience or issuer, without <c>exp</c>.</summary>
internal static class ForgedTokens
{
    public static readonly (string Kind, Func<string, string> Make)[] All =
    [
        ("alg_none", user => Make(user, alg: "none")),
        ("wrong_audience", user => Make(user, audience: "another-service")),
        ("wrong_issuer", user => Make(user, issuer: "https://evil.example")),
        ("no_exp", user => Make(user, withExpiry: false)),
        ("not_yet_valid", user => Make(user, notBefore: DateTimeOffset.UtcNow.AddHours(1))),
        ("signature_stripped", user => Make(user)[..(Make(user).LastIndexOf('.') + 1)]),
        ("garbage", _ => "eyJhbGciOiJIUzI1NiJ9.%%%.AAAA"),
    ];

    public static string Make(string user, string alg = "HS256", string audience = "chatmesh", string issuer = "chatmesh",
        bool withExpiry = true, DateTimeOffset? notBefore = null)
    {
        var now = DateTimeOffset.UtcNow;
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg, typ = "JWT" }));
        var claims = new Dictionary<string, object>
        {
            ["sub"] = user,
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = (notBefore ?? now.AddMinutes(-1)).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (withExpiry)
        {
            claims["exp"] = now.AddHours(1).ToUnixTimeSeconds();
        }

        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = alg == "none"
            ? ""
            : Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ChatMeshAppFixture.SigningKey), Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
