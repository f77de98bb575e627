namespace ChatMesh.Legacy.Hosting;

/// <summary>
/// Names this legacy process in the <c>ChatMesh-Instance</c> header of every <c>/poll</c> answer, so operators and tests
/// can tell replicas apart (a queue lives in Redis, so any instance serves any poll).
/// </summary>
internal static class LegacyInstance
{
    public const string Header = "ChatMesh-Instance";

    public static readonly string Id = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
}
