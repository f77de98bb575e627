using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.AppHost.Tests;

/// <summary>
/// The ports of the local servers (Redis, RabbitMQ's AMQP, distribution and epmd ports, rabbitmqctl's range) come from
/// below the ephemeral range, so no outgoing connection can take one between the pick and a slow server's bind.
/// </summary>
public sealed class FreePortsTests
{
    private static int EphemeralLow() =>
        int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);

    [Fact]
    public void Ports_are_distinct_free_and_below_the_ephemeral_range()
    {
        var ports = FreePorts.Take(64);

        Assert.Equal(ports.Length, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, FreePorts.Lowest, EphemeralLow() - 1));
        Assert.All(ports, port => Assert.True(FreePorts.IsFree(port), $"port {port} was handed out while in use"));
    }

    [Fact]
    public void A_range_is_consecutive_free_and_shares_no_port_with_ports_handed_out_before()
    {
        var before = FreePorts.Take(16);

        var first = FreePorts.TakeRange(RabbitMQCtlPorts.Count);
        var range = Enumerable.Range(first, RabbitMQCtlPorts.Count).ToList();

        Assert.Empty(range.Intersect(before));
        Assert.InRange(range[^1], FreePorts.Lowest, EphemeralLow() - 1);
        Assert.All(range, port => Assert.True(FreePorts.IsFree(port), $"port {port} of the range is in use"));
    }

    [Fact]
    public void A_port_in_use_is_never_handed_out()
    {
        // Hold a few hundred ports of the pool: none of them may come back.
        var held = new List<TcpListener>();
        try
        {
            for (var port = FreePorts.Lowest; held.Count < 300 && port < FreePorts.Highest; port += 7)
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                try
                {
                    listener.Start();
                    held.Add(listener);
                }
                catch (SocketException)
                {
                    listener.Dispose();
                }
            }

            var taken = held.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToHashSet();
            Assert.DoesNotContain(FreePorts.Take(200), taken.Contains);
        }
        finally
        {
            held.ForEach(listener => listener.Dispose());
        }
    }
}
