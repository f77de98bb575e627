using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>
/// Picks unused loopback ports for the servers the AppHost starts, so AppHosts side by side never collide. They come
/// from below the kernel's ephemeral range (<c>ip_local_port_range</c>): a port from inside it (what binding port 0
/// gives) can be handed to any outgoing connection or port-0 listener on the machine between the pick and the server's
/// bind — seconds for an Erlang node booting, and again whenever a killed server is started on the same ports — and
/// RabbitMQ whose distribution or epmd port is taken exits with 0. No port is handed out twice in one process.
/// The one rule for every project that starts servers: the test projects compile this file by a link
/// (tests/ChatMesh.Chat.Tests/Infrastructure/FreePort.cs).
/// </summary>
internal static class FreePorts
{
    /// <summary>The lowest port handed out.</summary>
    public const int Lowest = 10_000;

    /// <summary>The highest port handed out: just below the ephemeral range.</summary>
    public static readonly int Highest = EphemeralLow() - 1;

    private static readonly HashSet<int> Given = [];

    /// <summary><paramref name="count"/> distinct free ports.</summary>
    public static int[] Take(int count) => [.. Enumerable.Range(0, count).Select(_ => TakeRange(1))];

    /// <summary>The first of <paramref name="length"/> consecutive free ports (e.g. a CLI's distribution port range).</summary>
    public static int TakeRange(int length)
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var first = Random.Shared.Next(Lowest, Highest - length + 2);
                var range = Enumerable.Range(first, length).ToList();
                if (range.All(port => !Given.Contains(port) && IsFree(port)))
                {
                    Given.UnionWith(range);
                    return first;
                }
            }
        }

        throw new InvalidOperationException($"No {length} free consecutive loopback ports in {Lowest}–{Highest} after 1,000 tries.");
    }

    /// <summary>Whether a loopback listener can bind <paramref name="port"/> now.</summary>
    internal static bool IsFree(int port)
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
            return Math.Max(Lowest + 1_000, int.Parse(range[0], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
