using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Hosting;

/// <summary>Stops the service at start when a <see cref="LegacyOptions"/> value is out of range, naming the key.</summary>
public sealed class LegacyOptionsValidator : IValidateOptions<LegacyOptions>
{
    public ValidateOptionsResult Validate(string? name, LegacyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string section = LegacyOptions.SectionName;

        void Range<T>(string key, T value, T min, T max)
            where T : IComparable<T>
        {
            if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
            {
                failures.Add($"{section}:{key} must be {min} to {max}, got {value}.");
            }
        }

        Range(nameof(options.MaxPollTimeout), options.MaxPollTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Range(nameof(options.QueueIdleTimeout), options.QueueIdleTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
        Range(nameof(options.ExpiredQueueMemory), options.ExpiredQueueMemory, TimeSpan.Zero, TimeSpan.FromDays(30));
        Range(nameof(options.MaxQueuesPerUser), options.MaxQueuesPerUser, 1, 10_000);
        Range(nameof(options.ShortPollsPerMinute), options.ShortPollsPerMinute, 1, 1_000_000);
        Range(nameof(options.MaxHeldPollsPerUser), options.MaxHeldPollsPerUser, 1, 10_000);
        Range(nameof(options.HeldPollLeaseGrace), options.HeldPollLeaseGrace, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Range(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes, 1024L, 16L * 1024 * 1024);
        // A replay page is at most Chat:MaxReplayPage (default 1000).
        Range(nameof(options.MaxEventsPerResponse), options.MaxEventsPerResponse, 1, 1000);
        Range(nameof(options.CoalesceDelay), options.CoalesceDelay, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        // Kept state outliving its queue in Redis is harmless (the re-poll's batched write finds the queue gone, and the
        // queue script answers queue_expired), but it is memory for nothing.
        Range(nameof(options.RepollWindow), options.RepollWindow, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Range(nameof(options.MaxRoomsPerQueue), options.MaxRoomsPerQueue, 1, 10_000);
        Range(nameof(options.PresenceTimeout), options.PresenceTimeout, options.MaxPollTimeout + TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));
        Range(nameof(options.ValidatedTokenCacheSize), options.ValidatedTokenCacheSize, 0, 1_000_000);
        Range(nameof(options.PollSpanRatio), options.PollSpanRatio, 0d, 1d);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
