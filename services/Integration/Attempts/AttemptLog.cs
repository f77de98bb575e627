using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Integration.Attempts;

/// <summary>
/// Attempts per endpoint and per message, newest first, in Redis lists trimmed to
/// <see cref="AttemptOptions.MaxPerEndpoint"/> / <see cref="AttemptOptions.MaxPerMessage"/> and expiring after <see cref="AttemptOptions.Retention"/>.
/// </summary>
public sealed class AttemptLog(IConnectionMultiplexer redis, IOptions<IntegrationOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private IDatabase Db => redis.GetDatabase();

    public async Task RecordAsync(AttemptRecord attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var limits = options.Value.Attempts;
        var value = JsonSerializer.SerializeToUtf8Bytes(attempt, Json);
        var endpointKey = WebhookKeys.EndpointAttempts(attempt.Endpoint);
        var messageKey = WebhookKeys.MessageAttempts(WebhookKeys.Member(attempt.Endpoint, attempt.EventId));
        var batch = Db.CreateBatch();
        var writes = new Task[]
        {
            batch.ListLeftPushAsync(endpointKey, value),
            batch.ListTrimAsync(endpointKey, 0, limits.MaxPerEndpoint - 1),
            batch.KeyExpireAsync(endpointKey, limits.Retention),
            batch.ListLeftPushAsync(messageKey, value),
            batch.ListTrimAsync(messageKey, 0, limits.MaxPerMessage - 1),
            batch.KeyExpireAsync(messageKey, limits.Retention),
        };
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public Task<IReadOnlyList<AttemptRecord>> ForEndpointAsync(string endpoint, int limit) =>
        ReadAsync(WebhookKeys.EndpointAttempts(endpoint), limit);

    public Task<IReadOnlyList<AttemptRecord>> ForMessageAsync(string endpoint, long eventId, int limit) =>
        ReadAsync(WebhookKeys.MessageAttempts(WebhookKeys.Member(endpoint, eventId)), limit);

    private async Task<IReadOnlyList<AttemptRecord>> ReadAsync(string key, int limit)
    {
        var values = await Db.ListRangeAsync(key, 0, limit - 1);
        return [.. values.Select(value => JsonSerializer.Deserialize<AttemptRecord>((byte[])value!, Json)!)];
    }
}
