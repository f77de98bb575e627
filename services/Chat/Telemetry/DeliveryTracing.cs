using System.Diagnostics;

namespace ChatMesh.Chat.Telemetry;

/// <summary>
/// The span of one live event written to one client (<c>ws push</c>, <c>sse write</c>, <c>ndjson write</c>): a child of
/// the span that handed the event to the connection (the instance's <c>live dispatch</c>, itself in the trace of the
/// action that committed the event), so the write shows in that action's trace. Costs nothing when no one listens:
/// no span, no tags, no allocation.
/// </summary>
public static class DeliveryTracing
{
    /// <summary>The span name for a write on <paramref name="channel"/> (one of <see cref="DeliveryChannels"/>).</summary>
    public static string SpanName(string channel) => channel switch
    {
        DeliveryChannels.WebSocket => "ws push",
        DeliveryChannels.Sse => "sse write",
        DeliveryChannels.Ndjson => "ndjson write",
        DeliveryChannels.LongPoll => "longpoll deliver",
        _ => "webhook deliver",
    };

    /// <summary>
    /// The span around the current span (to remember with a queued event), or null when ChatMesh spans are not
    /// recorded: only then is a later write worth a span.
    /// </summary>
    public static Activity? CurrentCause() => ChatTelemetry.Source.HasListeners() ? Activity.Current : null;

    /// <summary>Starts the write span of a live event, child of <paramref name="cause"/>; null when there is nothing to continue.</summary>
    public static Activity? StartWrite(string channel, long eventId, string? room, Activity? cause)
    {
        if (cause is null || !ChatTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = ChatTelemetry.Source.StartActivity(SpanName(channel), ActivityKind.Internal, cause.Context);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DeliveryChannels.TagName, channel);
            activity.SetTag("chatmesh.event_id", eventId);
            if (room is not null)
            {
                activity.SetTag("chatmesh.room", room);
            }
        }

        return activity;
    }
}
