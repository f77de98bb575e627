using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Support;

/// <summary>HS256 tokens made by hand, for the cases sign-in never issues: expired, short-lived, forged.</summary>
public static class TestTokens
{
    public static string Create(string user, DateTimeOffset expiresAt, string key = ChatMeshAppFixture.SigningKey)
    {
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = user,
            ["name"] = user,
            ["iss"] = "chatmesh",
            ["aud"] = "chatmesh",
            ["iat"] = expiresAt.AddHours(-1).ToUnixTimeSeconds(),
            ["nbf"] = expiresAt.AddHours(-1).ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
        }));
        var signature = Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
