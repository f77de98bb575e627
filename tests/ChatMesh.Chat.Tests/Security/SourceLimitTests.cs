using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatMesh.Chat.Security;
using ChatMesh.Chat.Tests.Identity;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Chat.Tests.Security;

/// <summary>Per-source-address limits as a client sees them: 429 problems, Retry-After, and whose address counts.</summary>
public sealed class SourceLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<AuthTestServer> StartAsync(Dictionary<string, string?> settings) => AuthTestServer.StartAsync(settings);

    private static Task<HttpResponseMessage> SignInFromAsync(AuthTestServer server, string? forwardedFor, string user)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in") { Content = JsonContent.Create(new { userName = user }) };
        if (forwardedFor is not null)
        {
            request.Headers.Add(SourceAddress.ForwardedForHeader, forwardedFor);
        }

        return server.Client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Sign_ins_past_the_per_address_budget_are_429_with_Retry_After_and_other_addresses_are_not_affected()
    {
        await using var server = await StartAsync(new() { ["SourceLimits:SignInsPerMinute"] = "3" });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SignInFromAsync(server, "203.0.113.5", $"sl-a{i}")).StatusCode);
        }

        var refused = await SignInFromAsync(server, "203.0.113.5", "sl-a3");

        await ProblemAssert.HasProblem(refused, HttpStatusCode.TooManyRequests, SourceLimitErrors.RateLimited);
        Assert.InRange(refused.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 60);
        Assert.Equal(HttpStatusCode.OK, (await SignInFromAsync(server, "203.0.113.6", "sl-b")).StatusCode);
        // Loopback itself (local tools, tests, the bench) is exempt by default.
        Assert.Equal(HttpStatusCode.OK, (await SignInFromAsync(server, null, "sl-c")).StatusCode);
    }

    [Fact]
    public async Task The_client_named_by_a_trusted_proxy_counts_as_the_last_forwarded_entry_not_the_first()
    {
        await using var server = await StartAsync(new() { ["SourceLimits:SignInsPerMinute"] = "1" });
        Assert.Equal(HttpStatusCode.OK, (await SignInFromAsync(server, "198.51.100.1, 203.0.113.20", "sl-d")).StatusCode);

        // A client-written first entry does not buy a new budget: the proxy's (last) entry is the address.
        var refused = await SignInFromAsync(server, "198.51.100.2, 203.0.113.20", "sl-e");

        await ProblemAssert.HasProblem(refused, HttpStatusCode.TooManyRequests, SourceLimitErrors.RateLimited);
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_peer_that_is_not_the_trusted_proxy_is_ignored()
    {
        await using var server = await StartAsync(new()
        {
            ["SourceLimits:SignInsPerMinute"] = "1",
            // Loopback is not the proxy here, so the header is the client's own claim and is ignored.
            ["SourceLimits:TrustedProxies:0"] = "10.9.9.9",
            ["SourceLimits:ExemptLoopback"] = "false",
        });
        Assert.Equal(HttpStatusCode.OK, (await SignInFromAsync(server, "203.0.113.30", "sl-f")).StatusCode);

        var refused = await SignInFromAsync(server, "203.0.113.31", "sl-g");

        await ProblemAssert.HasProblem(refused, HttpStatusCode.TooManyRequests, SourceLimitErrors.RateLimited);
    }

    [Fact]
    public async Task Connections_past_the_per_address_limit_are_429_and_a_closed_one_frees_its_slot()
    {
        await using var server = await StartAsync(new() { ["SourceLimits:MaxConnections"] = "2" });
        var (_, signedIn) = await server.SignInAsync("sl-hold");
        var limiter = server.Services.GetRequiredService<SourceAddressLimiter>();
        HttpRequestMessage Hold()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/ws/hold");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", signedIn.Token);
            request.Headers.Add(SourceAddress.ForwardedForHeader, "2001:db8:1:2::10");
            return request;
        }

        using var first = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var held = new[]
        {
            server.Client.SendAsync(Hold(), HttpCompletionOption.ResponseHeadersRead, first.Token),
            server.Client.SendAsync(Hold(), HttpCompletionOption.ResponseHeadersRead, Ct),
        };
        // Both held (not just the first): the third must find the budget spent, not take the second's slot.
        var holder = SourceAddress.From(IPAddress.Parse("2001:db8:1:2::10"));
        await Eventually.TrueAsync(() => limiter.OpenConnections(holder) == 2, "two held connections");
        Assert.Equal(1, limiter.TrackedConnectionSources);

        // Another host of the same IPv6 /64 shares the budget.
        var third = Hold();
        third.Headers.Remove(SourceAddress.ForwardedForHeader);
        third.Headers.Add(SourceAddress.ForwardedForHeader, "2001:db8:1:2::99");
        var refused = await server.Client.SendAsync(third, Ct);
        await ProblemAssert.HasProblem(refused, HttpStatusCode.TooManyRequests, SourceLimitErrors.TooManyConnectionsFromAddress);

        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held[0]);
        using var again = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            // The server frees the slot once it sees the client go; until then a new one may still be refused.
            var admitted = server.Client.SendAsync(Hold(), HttpCompletionOption.ResponseHeadersRead, again.Token);
            await Task.WhenAny(admitted, Task.Delay(300, Ct));
            if (!admitted.IsCompleted)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, (await admitted).StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "the freed slot never admitted a new held connection");
        }

        await again.CancelAsync();
    }

    [Fact]
    public void IPv4_mapped_IPv6_counts_as_IPv4_and_IPv6_counts_per_64()
    {
        Assert.Equal(SourceAddress.From(IPAddress.Parse("203.0.113.7")), SourceAddress.From(IPAddress.Parse("::ffff:203.0.113.7")));
        Assert.Equal(SourceAddress.From(IPAddress.Parse("2001:db8::1")), SourceAddress.From(IPAddress.Parse("2001:db8::ffff:1")));
        Assert.NotEqual(SourceAddress.From(IPAddress.Parse("2001:db8:0:1::1")), SourceAddress.From(IPAddress.Parse("2001:db8:0:2::1")));
        Assert.True(SourceAddress.From(IPAddress.Parse("::ffff:127.0.0.1")).IsLoopback);
    }

    [Theory]
    [InlineData("SourceLimits:MaxConnections", "-1", "MaxConnections")]
    [InlineData("SourceLimits:SignInsPerMinute", "-1", "SignInsPerMinute")]
    [InlineData("SourceLimits:HookPostsPerMinute", "-5", "HookPostsPerMinute")]
    [InlineData("SourceLimits:TrustedProxies:0", "edge.internal", "TrustedProxies")]
    [InlineData("SourceLimits:ConnectionPaths:0", "/", "ConnectionPaths")]
    public async Task Invalid_source_limit_options_stop_the_service_at_start(string key, string value, string mentioned)
    {
        await using var app = AuthTestServer.Build(new Dictionary<string, string?> { [key] = value });

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains($"SourceLimits:{mentioned}", error.Message, StringComparison.Ordinal);
    }
}
