namespace ChatMesh.Legacy.Hosting;

/// <summary>Limits and timings of the long-polling service, bound from <c>Legacy</c> and validated on start.</summary>
public sealed class LegacyOptions
{
    public const string SectionName = "Legacy";

    /// <summary>Longest a poll is held without events; a client may ask for less with <c>timeout</c>.</summary>
    public TimeSpan MaxPollTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A queue nobody polls for this long expires (its Redis TTL is refreshed by every poll).</summary>
    public TimeSpan QueueIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long after expiry an id is still recognised, and answered with <c>queue_expired</c> rather than <c>queue_not_found</c>.</summary>
    public TimeSpan ExpiredQueueMemory { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Live queues a user may hold at once (all instances); one more is 429 <c>too_many_queues</c>.</summary>
    public int MaxQueuesPerUser { get; set; } = 10;

    /// <summary><c>dont_block</c> polls a user may make per minute (all instances); more is 429 <c>rate_limited</c>.</summary>
    public int ShortPollsPerMinute { get; set; } = 120;

    /// <summary>Polls a user may have held at once (all instances); one more is 429 <c>too_many_held_polls</c>.</summary>
    public int MaxHeldPollsPerUser { get; set; } = 10;

    /// <summary>
    /// How long past its hold a held poll's lease counts, if its instance never releases it (a crash): the cap heals by
    /// itself after this. Also covers the few milliseconds a woken poll takes to answer.
    /// </summary>
    public TimeSpan HeldPollLeaseGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A user with an event queue counts as online (presence) until this long passes after a register or the end of a
    /// poll's hold on it without another; deleting the queue ends it at once. At least <see cref="MaxPollTimeout"/> + 5 s.
    /// A registry write is made only when the last one would run out less than a third of this after the poll's hold, so
    /// a client that keeps polling never flickers offline between polls.
    /// </summary>
    public TimeSpan PresenceTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest request body; a bigger one is 413 <c>payload_too_large</c>.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Most events in one poll response; more are fetched by the next poll, which returns at once.</summary>
    public int MaxEventsPerResponse { get; set; } = 100;

    /// <summary>After a wake-up, how long a held poll waits for more events of the same burst before answering.</summary>
    public TimeSpan CoalesceDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How long after answering a held poll this instance keeps the queue's state and live subscription for the client's
    /// next poll. A re-poll within it that sends the answer's <c>lastEventId</c> runs no queue script and reads nothing:
    /// its held-poll lease (against the cap) and acknowledgement are written in a batch with other polls', and its lease
    /// goes back in a batch too. Zero turns it off: every held poll starts with the queue script. Long enough for a client
    /// that is slow to come back under load (a busy instance answers thousands of polls before the last one re-polls): a
    /// queue forgotten too early makes its re-poll the expensive kind (the script, a new subscription, a log read) exactly
    /// when the instance is busiest.
    /// </summary>
    public TimeSpan RepollWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most rooms a queue's <c>rooms</c> filter may name.</summary>
    public int MaxRoomsPerQueue { get; set; } = 256;

    /// <summary>
    /// Access tokens this instance remembers as validated until they expire, so a re-poll skips JwtBearer's validation
    /// (its expiry and revocation are still checked on every request); 0 turns the cache off. When full, new tokens are
    /// validated every time until expired entries are swept.
    /// </summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>
    /// The share of polls (<c>GET /poll/queues/{id}/events</c>) whose HTTP request span is recorded, drawn when the poll
    /// starts; a poll whose client sends a sampled <c>traceparent</c> is always recorded, and every other route always is.
    /// A woken poll's <c>longpoll deliver</c> span is in the sender's trace whatever this says; a replay answer's is under
    /// its request's span when that is recorded, else the root of its own trace linked to the request. 1 records every
    /// poll (as before session 12); 0 only those the client asks for.
    /// </summary>
    public double PollSpanRatio { get; set; } = 0.01;
}
