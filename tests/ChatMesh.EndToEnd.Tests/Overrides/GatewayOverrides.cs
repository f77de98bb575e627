namespace ChatMesh.EndToEnd.Tests.Overrides;

/// <summary>Gateway limits lowered so the WebSocket hostile cases are quick to reach.</summary>
public sealed class GatewayOverrides : IServiceOverrides
{
    public const int MaxConnectionsPerUser = 5;

    /// <summary>Long enough that a repeat sent right after a typing signal is always inside it, even on a loaded machine.</summary>
    public static readonly TimeSpan TypingThrottle = TimeSpan.FromSeconds(30);

    public string Resource => "gateway";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Gateway__WebSocket__MaxConnectionsPerUser"] = MaxConnectionsPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway__WebSocket__MaxFrameBytes"] = "8192",
        ["Gateway__WebSocket__MaxQueuedFrames"] = "64",
        // Stopping a gateway waits for clients to answer its close; keep the restart test's stop short.
        ["Gateway__WebSocket__CloseTimeout"] = "00:00:02",
        ["Gateway__WebSocket__TypingThrottle"] = TypingThrottle.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };
}
