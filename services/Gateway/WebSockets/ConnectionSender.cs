using System.Net.WebSockets;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The one writer of a connection: the loop that writes its <see cref="ResumableFeed"/> to the socket. Live events
/// reach the feed without blocking (the same bytes for every recipient); a burst that fills it leaves the feed behind
/// (<paramref name="onBehind"/>: the connection catches up from the log), and a full queue of control frames cuts the
/// connection as a slow consumer. The hold / replay / release of a resume lives in the feed, shared with SSE and NDJSON.
/// </summary>
/// <param name="transport">The stream under <paramref name="socket"/> (HTTP/1.1 upgrades), or null (HTTP/2, tests).</param>
/// <param name="directWrites">
/// Write each frame to <paramref name="transport"/> itself (a live event's frame built once for all its recipients)
/// instead of through <see cref="WebSocket.SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, bool, CancellationToken)"/>.
/// </param>
/// <param name="coalesce">Collect the frames queued behind the one being written into one transport write.</param>
internal sealed class ConnectionSender(
    WebSocket socket,
    CoalescingStream? transport,
    bool directWrites,
    bool coalesce,
    string userId,
    int capacity,
    DeliveryMetrics metrics,
    LiveEventMetrics? stages,
    Action onSlowConsumer,
    Action onBehind)
{
    private const string ControlType = "control";
    private static readonly Func<ReadOnlyMemory<byte>, byte[]> FrameText = WebSocketFraming.Text;
    private readonly CoalescingStream? _direct = directWrites ? transport : null;
    private readonly CoalescingStream? _coalescing = coalesce ? transport : null;

    public ResumableFeed Feed { get; } = new(userId, capacity, filter: null, onOverflow: onSlowConsumer, onBehind: onBehind);

    /// <summary>Queues a control frame (hello, ack, error…); a queue too full to take it means a slow consumer.</summary>
    public void SendControl(byte[] frame) => Feed.TrySendControl(ControlType, frame);

    /// <summary>
    /// Writes queued frames until the feed completes or the connection ends; each live event's write is a <c>ws push</c>
    /// span. When more frames are queued behind the one being written, they are collected and written out together
    /// (one transport write, one flush) once the queue is empty or the collected bytes reach the bound.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var coalescing = _coalescing;
        var whenDrained = coalescing is null ? null : new Func<ValueTask>(FlushCollectedAsync);
        await foreach (var item in Feed.ReadAllAsync(whenDrained, cancellationToken))
        {
            if (coalescing is not null && !coalescing.IsDeferring && Feed.HasQueued)
            {
                coalescing.Defer();
            }

            using (FeedDelivery.StartWrite(DeliveryChannels.WebSocket, item))
            {
                // No token: a cancellable send takes ManagedWebSocket's slow path (an async state machine and a
                // token registration per frame), and a send is never cancelled anyway (a cancelled send aborts the
                // socket before the close frame); ending the connection aborts the socket, which ends a stuck send.
                await (_direct is { } direct
                    ? WriteDirectAsync(direct, item)
                    : socket.SendAsync(item.Json, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None));
            }

            metrics.Written(DeliveryChannels.WebSocket, item);
            stages?.Written(item);
            if (coalescing is { IsFull: true })
            {
                await coalescing.FlushDeferredAsync(CancellationToken.None);
            }
        }
    }

    private ValueTask WriteDirectAsync(CoalescingStream direct, in FeedItem item)
    {
        // What SendAsync would refuse: no data frame after the close frame went out, nor on an aborted socket. The
        // close frame itself is written only after this loop ended (ChatConnection), so it always comes last.
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            throw new WebSocketException(WebSocketError.InvalidState, $"The WebSocket is {socket.State}; no frame is written.");
        }

        return item.Frames is { } frames
            ? direct.WriteFrameAsync(frames.WebSocketText(item.Json, FrameText))
            : direct.WriteTextFrameAsync(item.Json);
    }

    private ValueTask FlushCollectedAsync() => _coalescing!.IsDeferring ? _coalescing.FlushDeferredAsync(CancellationToken.None) : ValueTask.CompletedTask;

    public void Complete() => Feed.Complete();

    /// <summary>Drops what is queued; the send in flight finishes (see <see cref="ResumableFeed.Discard"/>).</summary>
    public void Discard() => Feed.Discard();
}
