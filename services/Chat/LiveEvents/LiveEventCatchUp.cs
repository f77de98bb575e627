using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// Watches for a hub the bus has stopped feeding: when its dispatched id has not moved for
/// <see cref="LiveEventOptions.CatchUpAfter"/> while the outbox holds newer entries, the hub repairs from the outbox.
/// Gap repair on the live path needs a later event to reveal the gap; after a broker died with this instance's queue
/// (its queued live copies gone with it) or while this instance's endpoint is not consuming, none comes, and connected
/// clients would silently miss acknowledged events.
/// </summary>
public sealed partial class LiveEventCatchUp(
    LiveEventHub hub,
    IOptions<LiveEventOptions> options,
    TimeProvider time,
    ILogger<LiveEventCatchUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CatchUpAfter;
        var seen = -1L;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                var last = hub.LastDispatchedId;
                if (last != seen)
                {
                    // Moved since the last look: the bus is delivering (or nothing happened before).
                    seen = last;
                    continue;
                }
                await hub.CatchUpAsync(stoppingToken).ConfigureAwait(false);
                seen = hub.LastDispatchedId;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Redis unavailable, mostly; whatever it was, the watch must outlive it (a faulted hosted service
                // would stop the host) and try again next period.
                LogCatchUpFailed(exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live catch-up from the outbox failed; retrying")]
    private partial void LogCatchUpFailed(Exception exception);
}
