using System.Net.WebSockets;
using System.Threading.Channels;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The one writer of a connection: a bounded queue of outbound frames and the loop that writes them. Live events
/// are handed over without blocking (the same bytes for every recipient); a full queue cuts the connection as a
/// slow consumer. While a resume replays history, live events are held and released after the replay, so the
/// client sees every event once, in id order.
/// </summary>
internal sealed class ConnectionSender(WebSocket socket, string userId, int capacity, Action onSlowConsumer) : ILiveSubscriber
{
    private readonly Channel<OutboundFrame> _queue = Channel.CreateBounded<OutboundFrame>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Lock _gate = new();
    private List<LiveEvent>? _held;
    private int _slow;
    private volatile bool _discard;

    public string UserId { get; } = userId;

    /// <summary>The newest event id written to the socket (written by the writer loop only).</summary>
    public long LastSentId { get; private set; }

    public void OnEvent(in LiveEvent liveEvent)
    {
        lock (_gate)
        {
            if (_held is not null)
            {
                if (_held.Count >= capacity)
                {
                    SlowConsumer();
                    return;
                }

                _held.Add(liveEvent);
                return;
            }

            if (!_queue.Writer.TryWrite(new OutboundFrame(liveEvent.Id, liveEvent.Json)))
            {
                SlowConsumer();
            }
        }
    }

    /// <summary>Queues a control frame (hello, ack, error…); a queue too full to take it means a slow consumer.</summary>
    public void SendControl(byte[] frame)
    {
        if (!_queue.Writer.TryWrite(new OutboundFrame(0, frame)))
        {
            SlowConsumer();
        }
    }

    /// <summary>Starts holding live events back: a replay is about to be queued ahead of them.</summary>
    public void BeginHold()
    {
        lock (_gate)
        {
            _held ??= [];
        }
    }

    /// <summary>Queues one replayed event, waiting for room in the queue rather than failing (the replay is paced by the client).</summary>
    public ValueTask SendReplayAsync(StoredEvent storedEvent, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new OutboundFrame(storedEvent.Id, storedEvent.Json), cancellationToken);

    /// <summary>Releases the held live events that the replay did not already cover, then delivers live again.</summary>
    public void EndHold(long replayedThrough)
    {
        lock (_gate)
        {
            if (_held is null)
            {
                return;
            }

            foreach (var liveEvent in _held)
            {
                if ((liveEvent.Id == 0 || liveEvent.Id > replayedThrough) && !_queue.Writer.TryWrite(new OutboundFrame(liveEvent.Id, liveEvent.Json)))
                {
                    SlowConsumer();
                    break;
                }
            }

            _held = null;
        }
    }

    /// <summary>Writes queued frames until the queue completes or the connection ends. Logged events already sent are skipped.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var frame in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            if (_discard)
            {
                return;
            }

            if (frame.Id > 0)
            {
                if (frame.Id <= LastSentId)
                {
                    continue;
                }

                LastSentId = frame.Id;
            }

            await socket.SendAsync(frame.Bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
    }

    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Drops everything still queued; the send in flight (if any) finishes, since cancelling it would abort the socket.</summary>
    public void Discard()
    {
        _discard = true;
        _queue.Writer.TryComplete();
    }

    private void SlowConsumer()
    {
        if (Interlocked.Exchange(ref _slow, 1) == 0)
        {
            _queue.Writer.TryComplete();
            onSlowConsumer();
        }
    }

    private readonly record struct OutboundFrame(long Id, ReadOnlyMemory<byte> Bytes);
}
