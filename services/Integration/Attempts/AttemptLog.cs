using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace ChatMesh.Integration.Attempts;

/// <summary>
/// Attempts per endpoint and per message, newest first, in Redis lists trimmed to
/// <see cref="AttemptOptions.MaxPerEndpoint"/> / <see cref="AttemptOptions.MaxPerMessage"/> and expiring after <see cref="AttemptOptions.Retention"/>.
/// </summary>
public sealed class AttemptLog(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>An attempt as stored; the delivery queue writes it with the claim's completion, in the same round trip.</summary>
    public static byte[] Serialize(AttemptRecord attempt) => JsonSerializer.SerializeToUtf8Bytes(attempt, AttemptJson.Default.AttemptRecord);

    public Task<IReadOnlyList<AttemptRecord>> ForEndpointAsync(string endpoint, int limit) =>
        ReadAsync(WebhookKeys.EndpointAttempts(endpoint), limit);

    public Task<IReadOnlyList<AttemptRecord>> ForMessageAsync(string endpoint, long eventId, int limit) =>
        ReadAsync(WebhookKeys.MessageAttempts(WebhookKeys.Member(endpoint, eventId)), limit);

    private async Task<IReadOnlyList<AttemptRecord>> ReadAsync(string key, int limit)
    {
        var values = await Db.ListRangeAsync(key, 0, limit - 1);
        return [.. values.Select(value => JsonSerializer.Deserialize((byte[])value!, AttemptJson.Default.AttemptRecord)!)];
    }
}

/// <summary>The attempt log's JSON, source-generated: every attempt is serialised on the delivery path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AttemptRecord))]
internal sealed partial class AttemptJson : JsonSerializerContext;
