using System.Net;
using ChatMesh.Integration.Ssrf;

namespace ChatMesh.Integration.Tests.Ssrf;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("10.255.255.255", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link_local")]
    [InlineData("100.64.0.1", "cgnat")]
    [InlineData("100.127.255.255", "cgnat")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("192.0.0.8", "reserved")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.99", "documentation")]
    [InlineData("198.18.0.1", "benchmark")]
    [InlineData("198.19.255.255", "benchmark")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("fe80::1", "link_local")]
    [InlineData("febf::1", "link_local")]
    [InlineData("fc00::1", "unique_local")]
    [InlineData("fd12:3456::1", "unique_local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("fec0::1", "site_local")]
    [InlineData("100::1", "reserved")]
    [InlineData("2001::1", "reserved")]
    public void Refuses_non_public_addresses(string address, string category) =>
        Assert.Equal(category, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:10.1.2.3", "private")]
    [InlineData("::ffff:169.254.169.254", "link_local")]
    [InlineData("::127.0.0.1", "loopback")]
    [InlineData("::10.0.0.1", "private")]
    [InlineData("64:ff9b::7f00:1", "loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "link_local")]
    [InlineData("2002:7f00:1::", "loopback")]
    [InlineData("2002:c0a8:101::1", "private")]
    public void Judges_IPv6_forms_by_the_IPv4_address_inside(string address, string category) =>
        Assert.Equal(category, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.216.34")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("192.169.0.1")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Allows_public_addresses(string address) =>
        Assert.Null(AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("4000::1")]
    [InlineData("e000::1")]
    public void Refuses_unallocated_IPv6(string address) =>
        Assert.Equal("reserved", AddressClassifier.Classify(IPAddress.Parse(address)));
}
