using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Limits of live delivery on one instance (configuration section <c>Chat:LiveEvents</c>).</summary>
public sealed class LiveEventOptions
{
    public const string SectionName = "Chat:LiveEvents";

    /// <summary>Events a connection may have queued before it counts as a slow consumer and is cut off.</summary>
    public int MaxQueuedEventsPerConnection { get; set; } = 1024;

    /// <summary>
    /// The largest gap in received ids repaired from the outbox. A bigger gap (this instance was cut off from the bus
    /// for long) is skipped with a warning: its connections would overflow anyway and must resume from the log.
    /// </summary>
    public int MaxGapRepair { get; set; } = 10_000;

    /// <summary>
    /// How many local subscribers of each dispatched event get a write span (<c>ws push</c>, <c>sse write</c>…) when
    /// traces are recorded: the first ones the event is handed to; 0 for none. A sample, so that a message to a large
    /// room costs a few spans per instance, not one per recipient; its trace still shows the dispatch and some writes.
    /// </summary>
    public int WriteSpansPerDispatch { get; set; } = 4;

    /// <summary>
    /// How long this instance's dispatched id may stay behind the outbox's newest entry without moving before the hub
    /// catches up from the outbox itself: the bus lost events (a broker killed with them queued) or stopped delivering
    /// to this instance, and no later event would reveal the gap.
    /// </summary>
    public TimeSpan CatchUpAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether an event this instance commits is dispatched to its local subscribers at once, without waiting for its
    /// copy to come back from the bus, when that provably keeps id order (see docs/live-delivery.md). The bus copy is
    /// still published (other instances, durable consumers) and dropped here as already dispatched. Off by default: it
    /// loses from 50 messages/s to 1,000 receivers on (each event fanned out alone; docs/benchmarks.md).
    /// </summary>
    public bool DispatchCommittedLocally { get; set; }

    /// <summary>
    /// How many connections' writer loops one thread-pool work item resumes when a dispatched event wakes them: a
    /// fan-out to a thousand connections queues ~1,000 / this work items (stolen by idle workers, so the writes still
    /// spread over every core) instead of a thousand. 1 queues one work item per connection.
    /// </summary>
    public int WakeBatchSize { get; set; } = 32;
}

/// <summary>Rejects live delivery limits that cannot work, at start.</summary>
public sealed class LiveEventOptionsValidator : IValidateOptions<LiveEventOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveEventOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxQueuedEventsPerConnection is < 1 or > 1_000_000)
        {
            failures.Add($"{nameof(LiveEventOptions.MaxQueuedEventsPerConnection)} must be between 1 and 1000000.");
        }
        if (options.MaxGapRepair is < 0 or > 1_000_000)
        {
            failures.Add($"{nameof(LiveEventOptions.MaxGapRepair)} must be between 0 and 1000000.");
        }
        if (options.WriteSpansPerDispatch is < 0 or > 1_000_000)
        {
            failures.Add($"{nameof(LiveEventOptions.WriteSpansPerDispatch)} must be between 0 and 1000000.");
        }
        if (options.WakeBatchSize is < 1 or > 4096)
        {
            failures.Add($"{nameof(LiveEventOptions.WakeBatchSize)} must be between 1 and 4096.");
        }
        if (options.CatchUpAfter < TimeSpan.FromMilliseconds(100) || options.CatchUpAfter > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{nameof(LiveEventOptions.CatchUpAfter)} must be between 00:00:00.1 and 00:05:00.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
