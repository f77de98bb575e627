namespace ChatMesh.EndToEnd.Tests.Overrides;

/// <summary>Legacy (long-poll) limits lowered so expiry and rate limiting are quick to reach.</summary>
public sealed class LegacyOverrides : IServiceOverrides
{
    public static readonly TimeSpan QueueIdleTimeout = TimeSpan.FromSeconds(5);
    public const int ShortPollsPerMinute = 20;
    public const int MaxQueuesPerUser = 10;
    public const int MaxRequestBodyBytes = 65536;
    public const int MaxHeldPollsPerUser = 3;

    public string Resource => "legacy";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Legacy__QueueIdleTimeout"] = QueueIdleTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Legacy__ShortPollsPerMinute"] = ShortPollsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Legacy__MaxQueuesPerUser"] = MaxQueuesPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Legacy__MaxHeldPollsPerUser"] = MaxHeldPollsPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Legacy__MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
