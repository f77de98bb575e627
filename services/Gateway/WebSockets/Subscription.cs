using ChatMesh.Chat.EventLog;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The <c>subscribe</c> frame: starts live delivery on the connection's <see cref="Chat.LiveEvents.ResumableFeed"/>
/// (resumed when it names <c>after</c>) and answers with <c>subscribed</c> or <c>reset</c> ahead of the live events.
/// Runs beside the receive loop so a long replay never stalls the connection's other frames.
/// </summary>
internal sealed class Subscription(ConnectionContext context, ConnectionSender sender) : IDisposable
{
    private Task _running = Task.CompletedTask;
    private int _started;

    public void Start(long? after, string? reference, CancellationToken cancellationToken)
    {
        if (after is < 0)
        {
            throw new FrameException("invalid_frame", "after must not be negative.");
        }

        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new FrameException("already_subscribed", "This connection is already subscribed.");
        }

        _running = RunAsync(after, reference, cancellationToken);
    }

    private async Task RunAsync(long? after, string? reference, CancellationToken cancellationToken)
    {
        try
        {
            await sender.Feed.SubscribeAsync(context.Chat, context.Hub, after, context.Options.ReplayBatchSize,
                result => sender.SendControl(result.Reset
                    ? ServerFrames.Reset(reference, result.Head)
                    : ServerFrames.Subscribed(reference, result.Head, result.Replayed)),
                cancellationToken);
        }
        catch (ChatException ex)
        {
            Interlocked.Exchange(ref _started, 0);
            sender.SendControl(ServerFrames.Error(reference, ex.Code, ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection is closing.
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // The feed completed (slow consumer or closing) during the replay.
        }
    }

    public Task StopAsync() => _running;

    public void Dispose() => sender.Feed.Unsubscribe();
}
