using System.Net;
using ChatMesh.Integration.Delivery;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration;

/// <summary>Stops the integration service at start when an <see cref="IntegrationOptions"/> value is out of range, naming the key.</summary>
public sealed class IntegrationOptionsValidator : IValidateOptions<IntegrationOptions>
{
    public ValidateOptionsResult Validate(string? name, IntegrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string s = IntegrationOptions.SectionName;
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                failures.Add(message);
            }
        }

        Check(options.SecretRotationOverlap >= TimeSpan.Zero && options.SecretRotationOverlap <= TimeSpan.FromDays(30),
            $"{s}:SecretRotationOverlap must be 0 to 30 days.");
        Check(options.MaxEndpointsPerUser is >= 1 and <= 1000, $"{s}:MaxEndpointsPerUser must be 1 to 1000.");

        var d = options.Delivery;
        Check(d.Timeout > TimeSpan.Zero && d.Timeout <= TimeSpan.FromMinutes(5), $"{s}:Delivery:Timeout must be above 0 and at most 5 minutes.");
        var schedule = RetrySchedule.TryParse(d.RetrySchedule, out var scheduleError);
        Check(schedule is { Count: >= 1 and <= 50 }, $"{s}:Delivery:RetrySchedule: {scheduleError ?? "1 to 50 entries"}.");
        Check(d.Jitter is >= 0 and < 1, $"{s}:Delivery:Jitter must be 0 to below 1.");
        Check(d.MaxRetryAfter > TimeSpan.Zero, $"{s}:Delivery:MaxRetryAfter must be above 0.");
        Check(d.DisableAfter > TimeSpan.Zero, $"{s}:Delivery:DisableAfter must be above 0.");
        Check(d.MaxConcurrencyPerEndpoint is >= 1 and <= 1000, $"{s}:Delivery:MaxConcurrencyPerEndpoint must be 1 to 1000.");
        Check(d.MaxConcurrentDeliveries is >= 1 and <= 10_000, $"{s}:Delivery:MaxConcurrentDeliveries must be 1 to 10000.");
        Check(d.VisibilityTimeout > d.Timeout, $"{s}:Delivery:VisibilityTimeout must exceed Delivery:Timeout.");
        Check(d.PollInterval > TimeSpan.Zero && d.PollInterval <= TimeSpan.FromMinutes(1), $"{s}:Delivery:PollInterval must be above 0 and at most 1 minute.");

        foreach (var range in options.Ssrf.AllowedRanges ?? [])
        {
            Check(IPNetwork.TryParse(range, out _), $"{s}:Ssrf:AllowedRanges: '{range}' is not a CIDR range (e.g. 10.0.0.0/8).");
        }

        var a = options.Attempts;
        var total = schedule is null ? TimeSpan.Zero : schedule.Aggregate(TimeSpan.Zero, (sum, delay) => sum + delay * (1 + d.Jitter));
        Check(a.Retention > total, $"{s}:Attempts:Retention must exceed the whole retry schedule ({total}).");
        Check(a.MaxPerEndpoint is >= 1 and <= 100_000, $"{s}:Attempts:MaxPerEndpoint must be 1 to 100000.");
        Check(a.MaxPerMessage is >= 1 and <= 1000, $"{s}:Attempts:MaxPerMessage must be 1 to 1000.");

        var i = options.Inbound;
        Check(i.MaxBodyBytes is >= 1024 and <= 16 * 1024 * 1024, $"{s}:Inbound:MaxBodyBytes must be 1024 to 16 MiB.");
        Check(i.MaxMultipartBytes is >= 64 * 1024 and <= 1024L * 1024 * 1024, $"{s}:Inbound:MaxMultipartBytes must be 64 KiB to 1 GiB.");
        Check(i.PerMinute is >= 1 and <= 100_000, $"{s}:Inbound:PerMinute must be 1 to 100000.");
        Check(i.MaxHooksPerUser is >= 1 and <= 1000, $"{s}:Inbound:MaxHooksPerUser must be 1 to 1000.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
