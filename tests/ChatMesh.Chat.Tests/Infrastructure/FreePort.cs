using System.Net;
using System.Net.Sockets;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>
/// Picks loopback ports nobody listens on, for servers started by the tests. They come from below the kernel's
/// ephemeral range (<c>ip_local_port_range</c>): a port from inside it (what binding port 0 gives) can be handed to any
/// outgoing connection or port-0 listener on the machine between the pick and the server's bind — seconds for an Erlang
/// node booting, with other test assemblies running alongside. No port is handed out twice in one test process.
/// </summary>
internal static class FreePort
{
    private const int Lowest = 10_000;
    private static readonly int Highest = EphemeralLow() - 1;
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, Highest + 1);
                if (!Given.Contains(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port in {Lowest}–{Highest} after 1,000 tries.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (Linux default 32768), never less than <see cref="Lowest"/> + 1,000.</summary>
    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return Math.Max(Lowest + 1_000, int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
