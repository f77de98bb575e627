using MassTransit;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// Watches this instance's live receive endpoint: when it is ready again after a fault (the broker went away, and with
/// it the exclusive queue and everything queued in it), the hub catches up from the outbox at once instead of waiting
/// for a later event to reveal the gap (none may come to this instance).
/// </summary>
public sealed partial class LiveEndpointObserver(LiveEndpointName name, LiveEventHub hub, ILogger<LiveEndpointObserver> logger)
    : IReceiveEndpointObserver
{
    private int _faulted;

    public Task Ready(ReceiveEndpointReady ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        if (IsLive(ready.InputAddress) && Interlocked.Exchange(ref _faulted, 0) == 1)
        {
            LogReadyAgain(ready.InputAddress);
            _ = CatchUpQuietlyAsync();
        }
        return Task.CompletedTask;
    }

    public Task Faulted(ReceiveEndpointFaulted faulted)
    {
        ArgumentNullException.ThrowIfNull(faulted);
        if (IsLive(faulted.InputAddress))
        {
            Interlocked.Exchange(ref _faulted, 1);
            LogFaulted(faulted.Exception, faulted.InputAddress);
        }
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    private bool IsLive(Uri address) => address.AbsolutePath.EndsWith(name.Value, StringComparison.Ordinal);

    private async Task CatchUpQuietlyAsync()
    {
        try
        {
            await hub.CatchUpAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The stall watch (LiveEventCatchUp) tries again.
            LogCatchUpFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live endpoint {Address} faulted")]
    private partial void LogFaulted(Exception? exception, Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live endpoint {Address} ready again after a fault; catching up from the outbox")]
    private partial void LogReadyAgain(Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live catch-up after the endpoint's restart could not read the outbox")]
    private partial void LogCatchUpFailed(Exception exception);
}

/// <summary>The name of this instance's live receive endpoint (its queue).</summary>
public sealed record LiveEndpointName(string Value);
