namespace ChatMesh.EndToEnd.Tests.Overrides;

/// <summary>Notification limits lowered so the stream cap, the slow-consumer cut and heartbeats are quick to reach.</summary>
public sealed class NotificationOverrides : IServiceOverrides
{
    public const int MaxStreamsPerUser = 3;

    /// <summary>Above the outbox batch (256), so a burst never cuts a client that reads; low enough to reach quickly.</summary>
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
