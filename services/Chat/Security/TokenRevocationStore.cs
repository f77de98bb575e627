using System.Globalization;
using StackExchange.Redis;

namespace ChatMesh.Chat.Security;

/// <summary>
/// The revoked-token list in Redis: a stream <c>chatmesh:revoked-tokens</c> of (<c>jti</c>, <c>exp</c>) entries, trimmed
/// by age to the longest token lifetime, plus a pub/sub notice on <c>chatmesh:token-revoked</c> so every instance knows
/// within moments. The stream ids give each instance a cursor for its catch-up read.
/// </summary>
public sealed class TokenRevocationStore(IConnectionMultiplexer redis, RevokedTokens local, TimeProvider time)
{
    public static readonly RedisKey StreamKey = "chatmesh:revoked-tokens";
    public static readonly RedisChannel Channel = RedisChannel.Literal("chatmesh:token-revoked");
    private const string TokenIdField = "jti";
    private const string ExpiresField = "exp";
    private const int PageSize = 1000;

    /// <summary>Revokes <paramref name="tokenId"/> until <paramref name="expiresAt"/>: durable in Redis before it returns.</summary>
    public async Task RevokeAsync(string tokenId, DateTimeOffset expiresAt, TimeSpan retention)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenId);
        var expires = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        // Entries older than the longest token lifetime can only name expired tokens: trim them as we add.
        var minId = (time.GetUtcNow() - retention).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var db = redis.GetDatabase();
        await db.ExecuteAsync("XADD", StreamKey, "MINID", "~", minId, "*", TokenIdField, tokenId, ExpiresField, expires).ConfigureAwait(false);
        local.Add(tokenId, expiresAt);
        await db.PublishAsync(Channel, $"{tokenId} {expires}").ConfigureAwait(false);
    }

    /// <summary>Reads the entries after <paramref name="cursor"/> (null: all) into the local list; returns the new cursor.</summary>
    public async Task<RedisValue?> CatchUpAsync(RedisValue? cursor)
    {
        var db = redis.GetDatabase();
        while (true)
        {
            var min = cursor is { } after ? (RedisValue)("(" + after) : (RedisValue)"-";
            var entries = await db.StreamRangeAsync(StreamKey, min, "+", PageSize).ConfigureAwait(false);
            foreach (var entry in entries)
            {
                Apply(entry[TokenIdField], entry[ExpiresField]);
                cursor = entry.Id;
            }

            if (entries.Length < PageSize)
            {
                local.RemoveExpired();
                return cursor;
            }
        }
    }

    /// <summary>Applies a pub/sub notice (<c>"jti exp"</c>); malformed notices are ignored (the catch-up read repairs).</summary>
    public void ApplyNotice(RedisValue notice)
    {
        var text = notice.ToString();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0)
        {
            Apply(text[..space], text[(space + 1)..]);
        }
    }

    private void Apply(RedisValue tokenId, RedisValue expires)
    {
        if (!tokenId.IsNullOrEmpty && long.TryParse(expires.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            local.Add(tokenId.ToString(), DateTimeOffset.FromUnixTimeSeconds(seconds));
        }
    }
}
