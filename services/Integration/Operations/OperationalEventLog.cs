using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Integration.Operations;

/// <summary>
/// Each owner's operational events, newest first, in a Redis list trimmed to <see cref="AttemptOptions.MaxPerEndpoint"/> and
/// kept for <see cref="AttemptOptions.Retention"/> — read with <c>GET /api/webhooks/operational-events</c>.
/// </summary>
public sealed class OperationalEventLog(IConnectionMultiplexer redis, IOptions<IntegrationOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private IDatabase Db => redis.GetDatabase();

    public async Task RecordAsync(string owner, OperationalEvent operational)
    {
        var limits = options.Value.Attempts;
        var key = WebhookKeys.UserOperationalEvents(owner);
        var batch = Db.CreateBatch();
        Task[] writes =
        [
            batch.ListLeftPushAsync(key, JsonSerializer.SerializeToUtf8Bytes(operational, Json)),
            batch.ListTrimAsync(key, 0, limits.MaxPerEndpoint - 1),
            batch.KeyExpireAsync(key, limits.Retention),
        ];
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<IReadOnlyList<OperationalEvent>> ListAsync(string owner, int limit)
    {
        var values = await Db.ListRangeAsync(WebhookKeys.UserOperationalEvents(owner), 0, limit - 1);
        return [.. values.Select(value => JsonSerializer.Deserialize<OperationalEvent>((byte[])value!, Json)!)];
    }
}
