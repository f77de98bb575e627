using System.Diagnostics;

namespace ChatMesh.Chat.Telemetry;

/// <summary>
/// The <c>ChatMesh</c> ActivitySource every component starts its spans on (ServiceDefaults exports it), and the
/// helpers that carry one user action's trace across the asynchronous hops: the outbox stores the committing
/// span's W3C traceparent, and the publisher continues that trace when it puts the event on the bus.
/// </summary>
public static class ChatTelemetry
{
    public const string Name = "ChatMesh";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>The current span as a W3C traceparent, or empty when nothing is being traced.</summary>
    public static string CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id ?? string.Empty : string.Empty;

    /// <summary>Starts a span whose parent is a stored traceparent (or a new root when there is none).</summary>
    public static Activity? StartFromTraceParent(string name, ActivityKind kind, string? traceParent, IEnumerable<ActivityLink>? links = null)
    {
        var parent = !string.IsNullOrEmpty(traceParent) && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        return Source.StartActivity(name, kind, parent, links: links);
    }

    /// <summary>
    /// Starts a span in the trace of a stored traceparent: a child of the current span when that is already in the same
    /// trace (one event per bus message), otherwise a child of the stored parent linked to the current span (an event
    /// handled inside a batch that travelled in another event's trace). Disposing the scope ends the span and makes the
    /// span that was current before it current again (a span started from a stored context has no parent object that
    /// <see cref="Activity.Stop"/> could restore).
    /// </summary>
    public static ContinuedSpan StartContinuing(string name, ActivityKind kind, string? traceParent)
    {
        var current = Activity.Current;
        if (!Source.HasListeners())
        {
            return new ContinuedSpan(null, current);
        }
        if (string.IsNullOrEmpty(traceParent) || !ActivityContext.TryParse(traceParent, null, out var parent) || current?.TraceId == parent.TraceId)
        {
            return new ContinuedSpan(Source.StartActivity(name, kind), current);
        }
        return current is null
            ? new ContinuedSpan(Source.StartActivity(name, kind, parent), current)
            : new ContinuedSpan(Source.StartActivity(name, kind, parent, links: [new ActivityLink(current.Context)]), current);
    }

    /// <summary>Starts a span for one client frame as the root of its own trace, linked to the long-lived connection span.</summary>
    public static Activity? StartRoot(string name, ActivityKind kind)
    {
        var connection = Activity.Current;
        Activity.Current = null;
        try
        {
            return connection is null
                ? Source.StartActivity(name, kind)
                : Source.StartActivity(name, kind, default(ActivityContext), links: [new ActivityLink(connection.Context)]);
        }
        finally
        {
            if (Activity.Current is null)
            {
                Activity.Current = connection;
            }
        }
    }
}

/// <summary>A span continued from a stored traceparent (see <see cref="ChatTelemetry.StartContinuing"/>); null when nothing listens.</summary>
public readonly struct ContinuedSpan(Activity? activity, Activity? previous) : IDisposable
{
    public Activity? Activity { get; } = activity;

    public void Dispose()
    {
        if (Activity is null)
        {
            return;
        }
        Activity.Dispose();
        System.Diagnostics.Activity.Current = previous;
    }
}
