using StackExchange.Redis;

namespace ChatMesh.Integration.Inbound;

/// <summary>Inbound hooks in Redis: a hash each, a token-hash index, a set per owner, and a fixed-window rate counter.</summary>
public sealed class InboundHookStore(IConnectionMultiplexer redis, TimeProvider time)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task SaveAsync(InboundHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var batch = Db.CreateTransaction();
        _ = batch.HashSetAsync(WebhookKeys.Hook(hook.Id), hook.ToHash());
        _ = batch.StringSetAsync(WebhookKeys.HookToken(hook.TokenHash), hook.Id);
        _ = batch.SetAddAsync(WebhookKeys.UserHooks(hook.Owner), hook.Id);
        await batch.ExecuteAsync();
    }

    public async Task<InboundHook?> GetAsync(string id) =>
        id.Length == 32 ? InboundHook.FromHash(await Db.HashGetAllAsync(WebhookKeys.Hook(id))) : null;

    public async Task<InboundHook?> FindByTokenAsync(string token)
    {
        if (token.Length is 0 or > 128)
        {
            return null;
        }

        var id = await Db.StringGetAsync(WebhookKeys.HookToken(InboundHook.HashToken(token)));
        return id.IsNull ? null : await GetAsync(id.ToString());
    }

    public async Task<IReadOnlyList<InboundHook>> ListAsync(string owner)
    {
        var ids = await Db.SetMembersAsync(WebhookKeys.UserHooks(owner));
        var hooks = await Task.WhenAll(ids.Select(id => GetAsync(id.ToString())));
        return [.. hooks.OfType<InboundHook>().OrderBy(hook => hook.CreatedAt)];
    }

    public async Task<long> CountAsync(string owner) => await Db.SetLengthAsync(WebhookKeys.UserHooks(owner));

    public async Task DeleteAsync(InboundHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var batch = Db.CreateTransaction();
        _ = batch.KeyDeleteAsync([WebhookKeys.Hook(hook.Id), WebhookKeys.HookToken(hook.TokenHash)]);
        _ = batch.SetRemoveAsync(WebhookKeys.UserHooks(hook.Owner), hook.Id);
        await batch.ExecuteAsync();
    }

    /// <summary>
    /// Counts one post in the hook's current minute (shared by every instance); null when within <paramref name="perMinute"/>,
    /// else how long until the window resets.
    /// </summary>
    public async Task<TimeSpan?> TakeAsync(string id, int perMinute)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var minute = now / 60_000;
        var key = WebhookKeys.HookRate(id, minute);
        var count = (long)await Db.ScriptEvaluateAsync(
            "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], 120000) end return n", [key]);
        return count <= perMinute ? null : TimeSpan.FromMilliseconds(((minute + 1) * 60_000) - now);
    }
}
