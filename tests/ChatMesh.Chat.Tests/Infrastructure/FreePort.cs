using System.Net;
using System.Net.Sockets;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>Picks loopback ports nobody listens on, for servers started by the tests.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
