namespace ChatMesh.EndToEnd.Tests.Overrides;

/// <summary>Notification limits lowered so the stream cap, a stream falling behind and heartbeats are quick to reach.</summary>
public sealed class NotificationOverrides : IServiceOverrides
{
    public const int MaxStreamsPerUser = 3;

    /// <summary>Low enough that a burst of a few hundred events leaves a stream behind (caught up from the log, not cut).</summary>
    public const int MaxQueuedEvents = 300;
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    public string Resource => "notification";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Notification__MaxStreamsPerUser"] = MaxStreamsPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Notification__MaxQueuedEvents"] = MaxQueuedEvents.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Notification__Sse__HeartbeatInterval"] = HeartbeatInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };
}
