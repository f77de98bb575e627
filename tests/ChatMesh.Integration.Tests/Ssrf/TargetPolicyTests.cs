using System.Net;
using ChatMesh.Integration.Ssrf;

namespace ChatMesh.Integration.Tests.Ssrf;

public sealed class TargetPolicyTests
{
    [Fact]
    public void Allow_list_exempts_its_ranges_only()
    {
        var policy = new TargetPolicy(new SsrfOptions { AllowedRanges = ["127.0.0.0/8", "10.20.0.0/16"] });

        Assert.Null(policy.Refusal(IPAddress.Parse("127.0.0.1")));
        Assert.Null(policy.Refusal(IPAddress.Parse("10.20.3.4")));
        Assert.Null(policy.Refusal(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Equal("private", policy.Refusal(IPAddress.Parse("10.21.0.1")));
        Assert.Equal("loopback", policy.Refusal(IPAddress.Parse("::1")));
        Assert.Equal("link_local", policy.Refusal(IPAddress.Parse("169.254.169.254")));
        Assert.Null(policy.Refusal(IPAddress.Parse("8.8.8.8")));
    }

    [Fact]
    public void Without_an_allow_list_loopback_is_refused()
    {
        var policy = new TargetPolicy(new SsrfOptions());
        Assert.Equal("loopback", policy.Refusal(IPAddress.Loopback));
        Assert.Equal("loopback", policy.Refusal(IPAddress.IPv6Loopback));
    }
}
