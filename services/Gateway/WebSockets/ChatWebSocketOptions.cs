using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>Limits and timeouts of the <c>/ws</c> endpoint (section <c>Gateway:WebSocket</c>), validated at start.</summary>
public sealed class ChatWebSocketOptions
{
    public const string SectionName = "Gateway:WebSocket";

    /// <summary>Largest client message (after reassembling fragments); a larger one closes with 1009.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Interval of server WebSocket pings.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the server waits for a pong before it drops the connection.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Sustained client frames per second per connection (token bucket refill rate).</summary>
    public double FramesPerSecond { get; set; } = 20;

    /// <summary>Token bucket size: frames a client may send in a burst.</summary>
    public int FrameBurst { get; set; } = 40;

    /// <summary>Rate-limited frames tolerated (each answered with an error frame) before closing with 1008.</summary>
    public int MaxRateLimitViolations { get; set; } = 20;

    /// <summary>
    /// Events queued for one connection (control frames get a quarter more). A connection handed more at once (a
    /// catch-up burst after a broker outage) drops them and catches up from the log at its client's pace.
    /// </summary>
    public int MaxQueuedFrames { get; set; } = 1024;

    /// <summary>
    /// How long a connection that fell <see cref="MaxQueuedFrames"/> behind may have frames waiting without the socket
    /// taking one before it is closed 4000 slow_consumer: the client is not reading.
    /// </summary>
    public TimeSpan SlowConsumerTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long closing waits for the client: for a send in flight to be read (a slow consumer gets its close frame
    /// after the data already on the wire), and for the client's answer to the close frame. Then the socket is dropped.
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Events read from Redis per replay batch when a client resumes.</summary>
    public int ReplayBatchSize { get; set; } = 500;

    /// <summary>Open WebSockets one user may hold across all gateway instances; more are refused with 429.</summary>
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Minimum time between two typing signals a connection relays for one room.</summary>
    public TimeSpan TypingThrottle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Bytes of queued frames a connection's writer collects into one transport write (one flush, one socket send)
    /// when several frames are waiting; 0 (the default: no gain measured, docs/benchmarks.md) writes every frame on its own.
    /// </summary>
    public int MaxCoalescedBytes { get; set; }

    /// <summary>
    /// Origins (scheme://host[:port]) allowed to open a WebSocket besides the gateway's own and the edge's
    /// (same origin as the forwarded host). Requests without an Origin header (non-browser clients) are allowed.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}

internal sealed class ChatWebSocketOptionsValidator : IValidateOptions<ChatWebSocketOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatWebSocketOptions options)
    {
        List<string> failures = [];
        if (options.MaxFrameBytes is < 256 or > 16 * 1024 * 1024)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}:MaxFrameBytes must be between 256 and 16 MiB (was {options.MaxFrameBytes}).");
        }

        if (options.KeepAliveInterval <= TimeSpan.Zero)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}:KeepAliveInterval must be positive.");
        }

        if (options.KeepAliveTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}:KeepAliveTimeout must be positive.");
        }

        if (!(options.FramesPerSecond > 0) || options.FrameBurst < 1 || options.MaxRateLimitViolations < 1)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}: FramesPerSecond, FrameBurst and MaxRateLimitViolations must be positive.");
        }

        if (options.MaxQueuedFrames < 16 || options.ReplayBatchSize < 1 || options.MaxConnectionsPerUser < 1)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}: MaxQueuedFrames must be at least 16; ReplayBatchSize and MaxConnectionsPerUser at least 1.");
        }

        if (options.SlowConsumerTimeout < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}:SlowConsumerTimeout must be at least 100 ms (was {options.SlowConsumerTimeout}).");
        }

        if (options.CloseTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}:CloseTimeout must be positive.");
        }

        if (options.TypingThrottle < TimeSpan.Zero)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}:TypingThrottle must not be negative.");
        }

        if (options.MaxCoalescedBytes is < 0 or > 1024 * 1024)
        {
            failures.Add($"{ChatWebSocketOptions.SectionName}:MaxCoalescedBytes must be between 0 and 1 MiB (was {options.MaxCoalescedBytes}).");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.PathAndQuery != "/")
            {
                failures.Add($"{ChatWebSocketOptions.SectionName}:AllowedOrigins entry '{origin}' is not an origin (scheme://host[:port]).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
