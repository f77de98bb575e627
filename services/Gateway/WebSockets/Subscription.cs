using ChatMesh.Chat.EventLog;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Live delivery for one connection, optionally resumed: subscribe to live events first (held back), replay what
/// the client missed from Redis, then release the held events it did not already get — no gap, no duplicate.
/// Runs beside the receive loop so a long replay never stalls the connection's other frames.
/// </summary>
internal sealed class Subscription(ConnectionContext context, ConnectionSender sender) : IDisposable
{
    private Task _running = Task.CompletedTask;
    private IDisposable? _live;
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
            if (after is { } resumeAfter)
            {
                sender.BeginHold();
                await SubscribeLiveAsync(cancellationToken);
                await ReplayAsync(resumeAfter, reference, cancellationToken);
            }
            else
            {
                await SubscribeLiveAsync(cancellationToken);
                sender.SendControl(ServerFrames.Subscribed(reference, await context.Chat.GetHeadAsync(cancellationToken), replayed: 0));
            }
        }
        catch (ChatException ex)
        {
            Unsubscribe();
            sender.EndHold(long.MaxValue);
            Interlocked.Exchange(ref _started, 0);
            sender.SendControl(ServerFrames.Error(reference, ex.Code, ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection is closing.
        }
    }

    private async Task ReplayAsync(long after, string? reference, CancellationToken cancellationToken)
    {
        var last = after;
        long replayed = 0;
        while (true)
        {
            var batch = await context.Chat.ReplayAsync(context.UserId, last, context.Options.ReplayBatchSize, cancellationToken);
            if (batch.Reset)
            {
                // Part of what was missed is beyond retention: say so instead of leaving a silent gap.
                sender.SendControl(ServerFrames.Reset(reference, batch.Head));
                sender.EndHold(0);
                return;
            }

            foreach (var storedEvent in batch.Events)
            {
                await sender.SendReplayAsync(storedEvent, cancellationToken);
                last = storedEvent.Id;
                replayed++;
            }

            if (!batch.More)
            {
                sender.SendControl(ServerFrames.Subscribed(reference, Math.Max(batch.Head, last), replayed));
                sender.EndHold(last);
                return;
            }
        }
    }

    private async Task SubscribeLiveAsync(CancellationToken cancellationToken)
    {
        var rooms = await RoomsAsync(cancellationToken);
        _live = context.Hub.Subscribe(sender, rooms);

        // A room joined between reading the list and subscribing passed the hub before we listened: look again.
        var again = await RoomsAsync(cancellationToken);
        if (!again.IsSubsetOf(rooms))
        {
            var previous = _live;
            _live = context.Hub.Subscribe(sender, again);
            previous.Dispose();
        }
    }

    private async Task<HashSet<string>> RoomsAsync(CancellationToken cancellationToken)
    {
        var mine = await context.Chat.ListMyRoomsAsync(context.UserId, cancellationToken);
        return [.. mine.Select(room => room.Room.Id)];
    }

    public Task StopAsync() => _running;

    private void Unsubscribe() => Interlocked.Exchange(ref _live, null)?.Dispose();

    public void Dispose() => Unsubscribe();
}
