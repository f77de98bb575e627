using System.Data.Common;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// <c>ConnectionStrings:attachments</c> for an S3-compatible store:
/// <c>Endpoint=https://s3.example.com;Bucket=chat-files;AccessKey=…;SecretKey=…[;Region=us-east-1][;Prefix=chatmesh/][;ForcePathStyle=true]</c>.
/// </summary>
public sealed record S3ConnectionString(Uri Endpoint, string Bucket, string AccessKey, string SecretKey, string Region, string Prefix, bool ForcePathStyle)
{
    /// <summary>Null when valid (with <paramref name="parsed"/> set); otherwise what is wrong, naming the key.</summary>
    public static string? TryParse(string connectionString, out S3ConnectionString? parsed)
    {
        parsed = null;
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            return "not a key=value; connection string.";
        }

        string? Get(string key) => builder.TryGetValue(key, out var value) ? value?.ToString() : null;
        if (!Uri.TryCreate(Get("Endpoint"), UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            return "Endpoint must be an absolute http(s) URL.";
        }

        var bucket = Get("Bucket");
        if (string.IsNullOrWhiteSpace(bucket))
        {
            return "Bucket is required.";
        }

        var accessKey = Get("AccessKey");
        var secretKey = Get("SecretKey");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            return "AccessKey and SecretKey are required.";
        }

        var pathStyle = true;
        if (Get("ForcePathStyle") is { } style && !bool.TryParse(style, out pathStyle))
        {
            return "ForcePathStyle must be true or false.";
        }

        parsed = new S3ConnectionString(endpoint, bucket, accessKey, secretKey, Get("Region") ?? "us-east-1", Get("Prefix") ?? "", pathStyle);
        return null;
    }

    public override string ToString() => $"S3 {Endpoint} bucket {Bucket}";
}
