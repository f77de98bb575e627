using System.Net;
using System.Net.Sockets;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>Asks the OS for unused loopback ports, so AppHosts side by side never collide.</summary>
internal static class FreePorts
{
    public static int[] Take(int count)
    {
        // Hold every listener until all are chosen, so the OS cannot hand out the same port twice.
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();
        try
        {
            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(listener => listener.Stop());
        }
    }
}
