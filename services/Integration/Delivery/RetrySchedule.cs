using System.Globalization;

namespace ChatMesh.Integration.Delivery;

/// <summary>Parses and applies <see cref="DeliveryOptions.RetrySchedule"/>.</summary>
public static class RetrySchedule
{
    /// <summary>The delays, or null with a reason when the text is not a schedule.</summary>
    public static IReadOnlyList<TimeSpan>? TryParse(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the schedule is empty";
            return null;
        }

        var delays = new List<TimeSpan>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseDuration(part, out var delay) || delay < TimeSpan.Zero)
            {
                error = $"'{part}' is not a duration (500ms, 5s, 5m, 2h, 1d or hh:mm:ss)";
                return null;
            }

            delays.Add(delay);
        }

        return delays;
    }

    public static IReadOnlyList<TimeSpan> Parse(string text) =>
        TryParse(text, out var error) ?? throw new FormatException($"Integration:Delivery:RetrySchedule: {error}.");

    /// <summary>
    /// The delay before attempt <paramref name="nextAttempt"/> (1-based), jittered, or null when the schedule is exhausted.
    /// </summary>
    public static TimeSpan? DelayBefore(IReadOnlyList<TimeSpan> schedule, int nextAttempt, double jitter, Random random)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(random);
        if (nextAttempt < 1 || nextAttempt > schedule.Count)
        {
            return null;
        }

        var delay = schedule[nextAttempt - 1];
        var factor = 1 + ((random.NextDouble() * 2) - 1) * jitter;
        return TimeSpan.FromTicks((long)(delay.Ticks * factor));
    }

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
        }

        (string number, Func<double, TimeSpan> unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], TimeSpan.FromMilliseconds),
            _ when text.EndsWith('s') => (text[..^1], TimeSpan.FromSeconds),
            _ when text.EndsWith('m') => (text[..^1], TimeSpan.FromMinutes),
            _ when text.EndsWith('h') => (text[..^1], TimeSpan.FromHours),
            _ when text.EndsWith('d') => (text[..^1], TimeSpan.FromDays),
            _ => (text, (Func<double, TimeSpan>)TimeSpan.FromSeconds),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        value = unit(amount);
        return true;
    }
}
