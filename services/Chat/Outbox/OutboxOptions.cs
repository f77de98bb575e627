using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Outbox;

/// <summary>Limits and timings of the ordered outbox publisher (configuration section <c>Chat:Outbox</c>).</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Chat:Outbox";

    /// <summary>How long a leader keeps the lease without renewing it; also the worst-case takeover time after a crash.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the leader renews the lease and followers try to take it.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The most outbox entries read and published per batch; progress is recorded once per batch.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// The most event JSON bytes put in one bus message; a read batch is split into messages under this size (an event
    /// larger than it travels alone). Bigger messages mean fewer broker round trips when the outbox is busy.
    /// </summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>Published entries kept in the outbox below the last published id, so instances can repair gaps from it.</summary>
    public int RetainPublished { get; set; } = 10_000;

    /// <summary>How long one blocking read waits for new entries when the outbox is idle (it returns at once when busy).</summary>
    public TimeSpan IdleReadTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one publish may wait for the broker's confirm before the leader gives it up and retries from the last
    /// recorded id. After a broker restart a publish can wait forever (measured), and the leader, still renewing its
    /// lease, would keep every other instance from publishing.
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Rejects outbox options that would break the lease or the read loop, at start.</summary>
public sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.LeaseDuration < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"{nameof(OutboxOptions.LeaseDuration)} must be at least 100 ms.");
        }
        if (options.RenewInterval <= TimeSpan.Zero || options.RenewInterval * 2 > options.LeaseDuration)
        {
            // Renewing at most every half lease leaves one failed renewal of slack before the lease expires.
            failures.Add($"{nameof(OutboxOptions.RenewInterval)} must be positive and at most half of {nameof(OutboxOptions.LeaseDuration)}.");
        }
        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add($"{nameof(OutboxOptions.BatchSize)} must be between 1 and 10000.");
        }
        if (options.MaxBatchBytes is < 64 * 1024 or > 64 * 1024 * 1024)
        {
            failures.Add($"{nameof(OutboxOptions.MaxBatchBytes)} must be between 64 KiB and 64 MiB.");
        }
        if (options.RetainPublished < 0)
        {
            failures.Add($"{nameof(OutboxOptions.RetainPublished)} must not be negative.");
        }
        if (options.IdleReadTimeout < TimeSpan.FromMilliseconds(10) || options.IdleReadTimeout > TimeSpan.FromSeconds(3))
        {
            // The blocking read must end well inside StackExchange.Redis's default 5 s command timeout.
            failures.Add($"{nameof(OutboxOptions.IdleReadTimeout)} must be between 10 ms and 3 s.");
        }
        if (options.PublishTimeout < TimeSpan.FromMilliseconds(100) || options.PublishTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{nameof(OutboxOptions.PublishTimeout)} must be between 100 ms and 5 min.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
