using System.Diagnostics;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// How every streaming channel (WebSocket, SSE, NDJSON) accounts for writing one <see cref="FeedItem"/>: a span around
/// the write of a live logged event, then the delivered count and commit-to-write latency once it is written.
/// Control items and ephemeral signals are neither traced nor counted.
/// </summary>
public static class FeedDelivery
{
    /// <summary>The write span of <paramref name="item"/>, or null (not a live logged event, or not traced).</summary>
    public static Activity? StartWrite(string channel, in FeedItem item) =>
        item.IsLogged ? DeliveryTracing.StartWrite(channel, item.Id, item.Room, item.Cause) : null;

    /// <summary>Counts <paramref name="item"/> as written to the client (and its latency, when it arrived live).</summary>
    public static void Written(this DeliveryMetrics metrics, string channel, in FeedItem item)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (item.IsLogged)
        {
            metrics.Delivered(channel, item.Id, item.Json.Span, item.IsLive);
        }
    }
}
