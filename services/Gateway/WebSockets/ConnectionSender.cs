using System.Diagnostics;
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
internal sealed class ConnectionSender(
    WebSocket socket,
    CoalescingStream? coalescing,
    string userId,
    int capacity,
    DeliveryMetrics metrics,
    LiveEventMetrics? stages,
    Action onSlowConsumer,
    Action onBehind)
{
    private const string ControlType = "control";

    public ResumableFeed Feed { get; } = new(userId, capacity, filter: null, onOverflow: onSlowConsumer, onBehind: onBehind);

    /// <summary>Queues a control frame (hello, ack, error…); a queue too full to take it means a slow consumer.</summary>
    public void SendControl(byte[] frame) => Feed.TrySendControl(ControlType, frame);

    /// <summary>
    /// Writes queued frames until the feed completes or the connection ends; each sampled live event's write is a
    /// <c>ws push</c> span. When more frames are queued behind the one being written, they are collected and written out
    /// together (one transport write, one flush) once the queue is empty or the collected bytes reach the bound.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // The loop runs outside the upgrade request's span, which lives as long as the connection: left current, every
        // write's latency record (and Kestrel's per-rent memory-pool count) would offer that span as an exemplar, under
        // OpenTelemetry's lock, 160,000 times a second at full load, naming a span no one looks for. The sampled write
        // spans have their dispatch as parent (FeedItem.Cause) and do not need it. Only this method's context changes.
        Activity.Current = null;

        // The wait (on the feed's signal, set after every write and on completion) is uncancellable and allocates
        // nothing; cancellation completes the feed instead: what is queued is still written, then the loop throws.
        // (ResumableFeed.ReadAllAsync does the same; without its async iterator a frame costs no MoveNextAsync.)
        using var cancelled = cancellationToken.UnsafeRegister(static feed => ((ResumableFeed)feed!).Complete(), Feed);
        while (true)
        {
            while (Feed.TryRead(out var item))
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
                    await socket.SendAsync(item.Json, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }

                metrics.Written(DeliveryChannels.WebSocket, item);
                stages?.Written(item);
                if (coalescing is { IsFull: true })
                {
                    await coalescing.FlushDeferredAsync(CancellationToken.None);
                }
            }

            if (coalescing is { IsDeferring: true })
            {
                await coalescing.FlushDeferredAsync(CancellationToken.None);
            }

            // Complete once the writer is done and the queue is drained (set synchronously by the last read).
            if (Feed.IsDrained)
            {
                break;
            }

            await Feed.WaitAsync();
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    public void Complete() => Feed.Complete();

    /// <summary>Drops what is queued; the send in flight finishes (see <see cref="ResumableFeed.Discard"/>).</summary>
    public void Discard() => Feed.Discard();
}
