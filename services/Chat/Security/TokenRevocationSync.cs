using ChatMesh.Chat.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Security;

/// <summary>
/// Keeps <see cref="RevokedTokens"/> in step with Redis: the whole list at start (before the service takes requests),
/// each pub/sub notice at once, and a catch-up read every <see cref="ChatAuthOptions.RevocationSyncInterval"/> for
/// notices lost to a reconnect. Does nothing in a host without Redis (unit tests).
/// </summary>
internal sealed partial class TokenRevocationSync(
    IServiceProvider services, IOptions<ChatAuthOptions> options, TimeProvider time, ILogger<TokenRevocationSync> logger) : BackgroundService
{
    private TokenRevocationStore? _store;
    private RedisValue? _cursor;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _store = services.GetService<IConnectionMultiplexer>() is { } redis ? services.GetRequiredService<TokenRevocationStore>() : null;
        if (_store is not null)
        {
            var subscriber = services.GetRequiredService<IConnectionMultiplexer>().GetSubscriber();
            await subscriber.SubscribeAsync(TokenRevocationStore.Channel, (_, notice) => _store.ApplyNotice(notice)).ConfigureAwait(false);
            await CatchUpAsync().ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_store is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.RevocationSyncInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await CatchUpAsync().ConfigureAwait(false);
        }
    }

    private async Task CatchUpAsync()
    {
        try
        {
            _cursor = await _store!.CatchUpAsync(_cursor).ConfigureAwait(false);
        }
        catch (RedisException exception)
        {
            // Keep serving with the list as last read; the next tick retries from the same cursor.
            LogCatchUpFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Could not read the revoked-token list from Redis; retrying at the next sync.")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception);
}
