using System.Net;
using ChatMesh.Integration.Ssrf;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Tests.Ssrf;

public sealed class TargetValidatorTests
{
    private sealed class FakeResolver(Dictionary<string, string[]> answers) : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? Task.FromResult(new[] { literal })
            : answers.TryGetValue(host, out var found) ? Task.FromResult(found.Select(IPAddress.Parse).ToArray())
            : Task.FromResult(Array.Empty<IPAddress>());
    }

    private static TargetValidator Validator(string[]? allowed = null, bool requireHttps = false)
    {
        var options = new IntegrationOptions { Ssrf = new SsrfOptions { AllowedRanges = allowed ?? [], RequireHttps = requireHttps } };
        var resolver = new FakeResolver(new()
        {
            ["hooks.example.com"] = ["93.184.216.34"],
            ["localhost"] = ["127.0.0.1", "::1"],
            ["rebind.example.com"] = ["93.184.216.34", "10.0.0.5"],
            ["loop.example.com"] = ["127.0.0.1"],
        });
        return new TargetValidator(new TargetPolicy(options.Ssrf), resolver, Options.Create(options));
    }

    private static Task<TargetRefusal?> Check(TargetValidator validator, string url) =>
        validator.CheckAsync(url, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Public_host_is_accepted() => Assert.Null(await Check(Validator(), "https://hooks.example.com/chat"));

    [Theory]
    [InlineData("http://10.0.0.1/hook")]
    [InlineData("http://192.168.0.10:8080/")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:7f00:1]/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://localhost/")]
    [InlineData("http://loop.example.com/")]
    [InlineData("http://rebind.example.com/")]
    public async Task Targets_inside_the_network_are_refused(string url) =>
        Assert.Equal(IntegrationErrors.TargetNotAllowed, (await Check(Validator(), url))?.Error);

    [Fact]
    public async Task A_hostname_resolving_to_loopback_is_allowed_only_when_the_allow_list_says_so()
    {
        Assert.Equal(IntegrationErrors.TargetNotAllowed, (await Check(Validator(), "http://loop.example.com/"))?.Error);
        Assert.Null(await Check(Validator(["127.0.0.0/8"]), "http://loop.example.com/"));
        // localhost also resolves to ::1, which 127.0.0.0/8 does not cover.
        Assert.Equal(IntegrationErrors.TargetNotAllowed, (await Check(Validator(["127.0.0.0/8"]), "http://localhost/"))?.Error);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("/relative")]
    [InlineData("ftp://hooks.example.com/")]
    [InlineData("https://user:pw@hooks.example.com/")]
    [InlineData("https://hooks.example.com/#frag")]
    [InlineData("")]
    public async Task Malformed_urls_are_refused(string url) =>
        Assert.Equal(IntegrationErrors.InvalidUrl, (await Check(Validator(), url))?.Error);

    [Fact]
    public async Task Https_can_be_required()
    {
        Assert.Equal(IntegrationErrors.InvalidUrl, (await Check(Validator(requireHttps: true), "http://hooks.example.com/"))?.Error);
        Assert.Null(await Check(Validator(requireHttps: true), "https://hooks.example.com/"));
    }

    [Fact]
    public async Task Unresolvable_hosts_are_refused() =>
        Assert.Equal(IntegrationErrors.TargetUnresolvable, (await Check(Validator(), "https://nowhere.invalid/"))?.Error);

    [Fact]
    public async Task Localhost_through_the_real_resolver_is_refused_without_the_allow_list()
    {
        var options = new IntegrationOptions();
        var validator = new TargetValidator(new TargetPolicy(options.Ssrf), new DnsHostResolver(), Options.Create(options));
        Assert.Equal(IntegrationErrors.TargetNotAllowed, (await validator.CheckAsync("http://localhost:9/", TestContext.Current.CancellationToken))?.Error);
    }
}
