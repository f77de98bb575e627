namespace ChatMesh.Gateway.WebSockets;

/// <summary>Names this gateway process in the hello frame, so clients and tests can tell replicas apart.</summary>
internal static class GatewayInstance
{
    public static readonly string Id = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
}
