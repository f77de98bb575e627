using System.Diagnostics;
using System.Globalization;
using ChatMesh.Chat.Telemetry;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// The span of a poll response that delivers events: a child of the live event's dispatch span when a live event woke or
/// answered the poll (so the response joins the trace of the action that sent it), else of the HTTP request; linked to the
/// request either way. Ids, rooms and counts only: never message text or tokens. An answer from live events gets a span
/// only when the hub sampled its poll for a write span (<c>Chat:LiveEvents:WriteSpansPerDispatch</c>, the first few
/// subscribers of each dispatch): one message woken into 10,000 polls costs a few spans, not 10,000. A poll's HTTP request
/// span is itself sampled (<c>Legacy:PollSpanRatio</c>): an answer from the log is the request span's child when that is
/// recorded, else the root of a trace of its own, linked to the request; every such answer has its span either way.
/// </summary>
internal static class PollTelemetry
{
    public static readonly string SpanName = DeliveryTracing.SpanName(DeliveryChannels.LongPoll);

    // Enough ids to find a span by event in the dashboard without unbounded attributes.
    private const int MaxListedIds = 32;

    public static Activity? StartDelivery(PollBatch batch)
    {
        if (batch.Events.Count == 0 || (batch.Source == PollSource.Live && batch.Trace == default) || !ChatTelemetry.Source.HasListeners())
        {
            return null;
        }

        var request = Activity.Current;
        Activity? activity;
        if (batch.Trace != default)
        {
            ActivityLink[]? links = request is null ? null : [new ActivityLink(request.Context)];
            activity = ChatTelemetry.Source.StartActivity(SpanName, ActivityKind.Internal, batch.Trace, links: links);
        }
        else if (request is { Recorded: false })
        {
            // The poll's request span is not sampled (Legacy:PollSpanRatio), but an answer from the log is still traced: in
            // a trace of its own, linked to the request. Only inside PollResult's async ExecuteAsync, so the change of
            // Activity.Current does not reach its caller.
            Activity.Current = null;
            activity = ChatTelemetry.Source.StartActivity(SpanName, ActivityKind.Internal, default(ActivityContext), links: [new ActivityLink(request.Context)]);
        }
        else
        {
            activity = ChatTelemetry.Source.StartActivity(SpanName, ActivityKind.Internal);
        }

        if (activity is not { IsAllDataRequested: true })
        {
            activity?.Dispose();
            return null;
        }

        var events = batch.Events;
        activity.SetTag("chatmesh.channel", "longpoll");
        activity.SetTag("chatmesh.event_id", events[0].Id);
        activity.SetTag("chatmesh.event_count", events.Count);
        if (events.Count == 1)
        {
            // The common answer under fan-out: no lists to build.
            activity.SetTag("chatmesh.event_ids", events[0].Id.ToString(CultureInfo.InvariantCulture));
            if (events[0].Room is { } room)
            {
                activity.SetTag("chatmesh.room", room);
            }
        }
        else
        {
            activity.SetTag("chatmesh.event_ids", string.Join(',', events.Take(MaxListedIds).Select(e => e.Id.ToString(CultureInfo.InvariantCulture))));
            var rooms = events.Select(e => e.Room).Where(room => room is not null).Distinct(StringComparer.Ordinal).Take(MaxListedIds).ToList();
            if (rooms.Count > 0)
            {
                activity.SetTag("chatmesh.room", string.Join(',', rooms));
            }
        }

        activity.SetTag("chatmesh.longpoll.source", batch.Source == PollSource.Live ? "live" : "replay");
        activity.SetTag("chatmesh.last_event_id", batch.LastEventId);
        return activity;
    }
}
