namespace ChatMesh.Integration;

/// <summary>Every limit and timing of the integration service, bound from <c>Integration</c> and validated on start.</summary>
public sealed class IntegrationOptions
{
    public const string SectionName = "Integration";

    /// <summary>How long a rotated-out secret keeps signing next to the new one.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Outbound endpoints one user may register.</summary>
    public int MaxEndpointsPerUser { get; set; } = 20;

    public DeliveryOptions Delivery { get; set; } = new();

    public SsrfOptions Ssrf { get; set; } = new();

    public AttemptOptions Attempts { get; set; } = new();

    public InboundOptions Inbound { get; set; } = new();
}

/// <summary>Outbound delivery: <c>Integration:Delivery</c>.</summary>
public sealed class DeliveryOptions
{
    /// <summary>The Svix schedule: the first attempt at once, then retries after each delay.</summary>
    public const string DefaultRetrySchedule = "0s,5s,5m,30m,2h,5h,10h,10h";

    /// <summary>Whole-attempt timeout (connect, send, response headers and the first KiB of body).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Comma-separated delays before each attempt (<c>500ms</c>, <c>5s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c> or <c>hh:mm:ss</c>).
    /// Its length is the number of attempts a message gets.
    /// </summary>
    public string RetrySchedule { get; set; } = DefaultRetrySchedule;

    /// <summary>Each retry delay is multiplied by a random factor in [1 - Jitter, 1 + Jitter].</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Upper bound on a receiver's <c>Retry-After</c> (429, 503).</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An endpoint failing every attempt for this long is disabled (reason <c>failing</c>).</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Attempts in flight to one endpoint, across every integration instance (its throughput is about this many ÷ its latency).</summary>
    public int MaxConcurrencyPerEndpoint { get; set; } = 8;

    /// <summary>
    /// Attempts in flight in one integration instance, across endpoints. Each is an awaited HTTP request (a socket, a few KiB),
    /// so this can be far above the per-endpoint cap: hanging endpoints hold at most their caps' worth of it.
    /// </summary>
    public int MaxConcurrentDeliveries { get; set; } = 256;

    /// <summary>How long a claimed delivery stays invisible; a crashed worker's claims come back after it. Must exceed <see cref="Timeout"/>.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an idle worker looks for due deliveries (a local enqueue wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Outbound target rules: <c>Integration:Ssrf</c>.</summary>
public sealed class SsrfOptions
{
    /// <summary>CIDR ranges exempt from the private/reserved refusal (e.g. <c>10.20.0.0/16</c> for an internal receiver).</summary>
    public string[] AllowedRanges { get; set; } = [];

    /// <summary>Refuse <c>http://</c> targets. Unset: true outside the Development environment.</summary>
    public bool? RequireHttps { get; set; }
}

/// <summary>Attempt log retention: <c>Integration:Attempts</c>.</summary>
public sealed class AttemptOptions
{
    /// <summary>How long a message, its attempts and its replay state are kept. Must exceed the retry schedule.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Newest attempts kept per endpoint.</summary>
    public int MaxPerEndpoint { get; set; } = 1000;

    /// <summary>Newest attempts kept per message.</summary>
    public int MaxPerMessage { get; set; } = 50;
}

/// <summary>Inbound hooks: <c>Integration:Inbound</c>.</summary>
public sealed class InboundOptions
{
    /// <summary>Largest JSON body a hook accepts (and largest <c>payload_json</c> part of a multipart post); bigger gets 413.</summary>
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Largest <c>multipart/form-data</c> body (a post with files); bigger gets 413. Each file is also held to
    /// <c>Gateway:Attachments:MaxFileBytes</c>, and their number to <c>Chat:Attachments:MaxPerMessage</c>.
    /// </summary>
    public long MaxMultipartBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>Posts per hook per minute (fixed window, shared by every instance); more gets 429 with Retry-After.</summary>
    public int PerMinute { get; set; } = 60;

    /// <summary>Inbound hooks one user may create.</summary>
    public int MaxHooksPerUser { get; set; } = 50;
}
