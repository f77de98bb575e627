using System.Net.WebSockets;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The one writer of a connection: the loop that writes its <see cref="ResumableFeed"/> to the socket. Live events
/// reach the feed without blocking (the same bytes for every recipient); a full feed cuts the connection as a slow
/// consumer. The hold / replay / release of a resume lives in the feed, shared with the SSE and NDJSON channels.
/// </summary>
internal sealed class ConnectionSender(WebSocket socket, string userId, int capacity, Action onSlowConsumer)
{
    private const string ControlType = "control";

    public ResumableFeed Feed { get; } = new(userId, capacity, filter: null, onOverflow: onSlowConsumer);

    /// <summary>Queues a control frame (hello, ack, error…); a queue too full to take it means a slow consumer.</summary>
    public void SendControl(byte[] frame) => Feed.TrySendControl(ControlType, frame);

    /// <summary>Writes queued frames until the feed completes or the connection ends.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var item in Feed.ReadAllAsync(cancellationToken))
        {
            await socket.SendAsync(item.Json, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
    }

    public void Complete() => Feed.Complete();

    /// <summary>Drops what is queued; the send in flight finishes (see <see cref="ResumableFeed.Discard"/>).</summary>
    public void Discard() => Feed.Discard();
}
