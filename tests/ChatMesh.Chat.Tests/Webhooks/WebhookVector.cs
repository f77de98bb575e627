using System.Text.Json;

namespace ChatMesh.Chat.Tests.Webhooks;

/// <summary>The reference vector from <c>TestData/standard-webhooks-vectors.json</c>.</summary>
internal sealed record WebhookVector(string Secret, string Id, string Timestamp, string Body, string Signature)
{
    public static WebhookVector Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "standard-webhooks-vectors.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var vector = document.RootElement.GetProperty("vectors")[0];
        return new WebhookVector(
            vector.GetProperty("secret").GetString()!,
            vector.GetProperty("id").GetString()!,
            vector.GetProperty("timestamp").GetString()!,
            vector.GetProperty("body").GetString()!,
            vector.GetProperty("signature").GetString()!);
    }

    public long UnixSeconds => long.Parse(Timestamp, System.Globalization.CultureInfo.InvariantCulture);

    public byte[] BodyBytes => System.Text.Encoding.UTF8.GetBytes(Body);
}
