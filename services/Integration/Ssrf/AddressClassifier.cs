using System.Net;
using System.Net.Sockets;

namespace ChatMesh.Integration.Ssrf;

/// <summary>
/// Classifies an IP address a webhook may not reach: anything not globally routable. IPv6 forms that embed an IPv4
/// address (mapped, compatible, NAT64, 6to4) are judged by the IPv4 address inside, so <c>::ffff:127.0.0.1</c> is loopback.
/// </summary>
public static class AddressClassifier
{
    private static readonly (IPNetwork Network, string Category)[] V4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "cgnat"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link_local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "reserved"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmark"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"), // includes 255.255.255.255 (broadcast)
    ];

    private static readonly (IPNetwork Network, string Category)[] V6 =
    [
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "reserved"),
        (IPNetwork.Parse("100::/64"), "reserved"),
        (IPNetwork.Parse("2001::/23"), "reserved"), // IETF protocol assignments, Teredo included
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
        (IPNetwork.Parse("5f00::/16"), "reserved"),
        (IPNetwork.Parse("fc00::/7"), "unique_local"),
        (IPNetwork.Parse("fe80::/10"), "link_local"),
        (IPNetwork.Parse("fec0::/10"), "site_local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Compatible = IPNetwork.Parse("::/96");

    /// <summary>Why <paramref name="address"/> is not a public target (e.g. <c>loopback</c>, <c>private</c>), or null when it is.</summary>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Match(V4, address);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "unsupported";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return Match(V4, address.MapToIPv4());
        }

        if (Match(V6, address) is { } category)
        {
            return category;
        }

        if (EmbeddedIPv4(address) is { } embedded)
        {
            return Match(V4, embedded);
        }

        // Only 2000::/3 is allocated global unicast; everything else is reserved.
        var first = address.GetAddressBytes()[0];
        return (first & 0xE0) == 0x20 ? null : "reserved";
    }

    /// <summary>The IPv4 address an IPv6 transition form carries (compatible, NAT64, 6to4), or null.</summary>
    public static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if (Compatible.Contains(address) || Nat64.Contains(address))
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        return SixToFour.Contains(address) ? new IPAddress(bytes.AsSpan(2, 4)) : null;
    }

    private static string? Match((IPNetwork Network, string Category)[] table, IPAddress address)
    {
        foreach (var (network, category) in table)
        {
            if (network.Contains(address))
            {
                return category;
            }
        }

        return null;
    }
}
