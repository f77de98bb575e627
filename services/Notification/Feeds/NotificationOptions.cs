using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Feeds;

/// <summary>Limits of the notification service's streams (section <c>Notification</c>), validated at start.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notification";

    /// <summary>
    /// Connections one user may hold when opening a stream, counted over every channel (the presence registry);
    /// more are refused with 429 <c>too_many_connections</c>.
    /// </summary>
    public int MaxStreamsPerUser { get; set; } = 10;

    /// <summary>
    /// Events queued for one stream. A burst larger than this leaves the stream behind instead of ending it: the
    /// events that do not fit are dropped (the log holds them) and the stream catches up from the log at the client's
    /// pace, in order, each once. Control items (hello, subscribed, heartbeat…) have a reserve of a quarter of it.
    /// </summary>
    public int MaxQueuedEvents { get; set; } = 1024;

    /// <summary>
    /// How long a stream that fell behind may take nothing from its queue (its writes to the client make no progress)
    /// before it is cut with the <c>error</c> event <c>slow_consumer</c>; the client resumes from its last event id.
    /// </summary>
    public TimeSpan SlowConsumerTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Events read from Redis per replay batch when a stream resumes.</summary>
    public int ReplayBatchSize { get; set; } = 500;

    /// <summary>Rooms a <c>rooms=</c> filter may name.</summary>
    public int MaxFilterRooms { get; set; } = 100;

    /// <summary>
    /// Bytes a stream's writer puts into the response before it flushes, when more items are already queued: a burst
    /// leaves in few socket writes, yet the client gets the first of a long burst early.
    /// </summary>
    public int MaxFlushBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Kestrel's socket transport runs its send (and receive) continuations on the thread that completed them instead of
    /// queueing them (<c>SocketTransportOptions.UnsafePreferInlineScheduling</c>): a stream's flush writes to the socket
    /// on its own writer's thread-pool item, without a second scheduled hop per delivery (the profile's Kestrel I/O-queue
    /// hop, ~12 % of the service's CPU per delivery). Off by default: at 10,000 SSE streams it won at 10,000 deliveries/s
    /// and lost at 100,000 (p99 +17 %, p99.9 +30 %; likely the sends of a wake-up chunk serialising on one worker;
    /// docs/benchmarks.md, session 11, sse9).
    /// </summary>
    public bool InlineSocketScheduling { get; set; }

    public SseOptions Sse { get; set; } = new();
}

/// <summary>Timings of <c>/sse</c> (heartbeats apply to <c>/stream</c> too).</summary>
public sealed class SseOptions
{
    /// <summary>
    /// The longest a stream stays silent: a stream that wrote nothing for about this long gets a heartbeat (an SSE
    /// comment; an NDJSON <c>heartbeat</c> line), so proxies keep idle streams open.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The <c>retry:</c> hint: how long an EventSource waits before reconnecting.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(3000);
}

internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        List<string> failures = [];
        if (options.MaxStreamsPerUser < 1)
        {
            failures.Add($"{NotificationOptions.SectionName}:MaxStreamsPerUser must be at least 1.");
        }

        if (options.MaxQueuedEvents is < 16 or > 1_000_000)
        {
            failures.Add($"{NotificationOptions.SectionName}:MaxQueuedEvents must be between 16 and 1000000.");
        }

        if (options.SlowConsumerTimeout < TimeSpan.FromMilliseconds(100) || options.SlowConsumerTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{NotificationOptions.SectionName}:SlowConsumerTimeout must be between 100 ms and 1 hour (was {options.SlowConsumerTimeout}).");
        }

        if (options.ReplayBatchSize is < 1 or > 1000)
        {
            failures.Add($"{NotificationOptions.SectionName}:ReplayBatchSize must be between 1 and 1000 (Chat:MaxReplayPage).");
        }

        if (options.MaxFilterRooms < 1)
        {
            failures.Add($"{NotificationOptions.SectionName}:MaxFilterRooms must be at least 1.");
        }

        if (options.MaxFlushBytes is < 512 or > 1024 * 1024)
        {
            failures.Add($"{NotificationOptions.SectionName}:MaxFlushBytes must be between 512 and 1048576.");
        }

        if (options.Sse.HeartbeatInterval < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{NotificationOptions.SectionName}:Sse:HeartbeatInterval must be at least 100 ms.");
        }

        if (options.Sse.RetryInterval < TimeSpan.Zero || options.Sse.RetryInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{NotificationOptions.SectionName}:Sse:RetryInterval must be between 0 and 1 hour.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
