using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatMesh.Chat.Identity;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.Identity;

/// <summary>Options: validation at start, defaults, the injected clock, and the external-authority mode.</summary>
public sealed class ChatAuthOptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Auth:SigningKey", "0123456789", "SigningKey")] // 10 bytes
    [InlineData("Auth:TokenLifetime", "-01:00:00", "TokenLifetime")]
    [InlineData("Auth:TokenLifetime", "00:00:00", "TokenLifetime")]
    [InlineData("Auth:ClockSkew", "-00:00:01", "ClockSkew")]
    [InlineData("Auth:CookieName", "bad name", "CookieName")]
    [InlineData("Auth:QueryTokenPaths:0", "ws", "QueryTokenPaths")]
    [InlineData("Auth:RevocationSyncInterval", "00:00:00", "RevocationSyncInterval")]
    [InlineData("Auth:RevocationSyncInterval", "01:00:00", "RevocationSyncInterval")]
    public async Task Invalid_options_stop_the_service_at_start(string key, string value, string mentioned)
    {
        await using var app = AuthTestServer.Build(new Dictionary<string, string?> { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains($"Auth:{mentioned}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_key_message_says_where_it_comes_from()
    {
        var result = new ChatAuthOptionsValidator().Validate(null, new ChatAuthOptions());

        Assert.True(result.Failed);
        Assert.Contains("Auth__SigningKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new ChatAuthOptions();

        Assert.Equal("chatmesh", options.Issuer);
        Assert.Equal("chatmesh", options.Audience);
        Assert.Equal(TimeSpan.FromHours(8), options.TokenLifetime);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClockSkew);
        Assert.Equal("chatmesh_token", options.CookieName);
        Assert.Equal(["/ws", "/sse", "/stream", "/poll"], options.EffectiveQueryTokenPaths);
        Assert.False(options.IsDevSignInEnabled);
        Assert.False(options.DevSignIn.AllowInProduction);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RevocationSyncInterval);
    }

    [Fact]
    public void Authority_mode_needs_no_key_but_refuses_dev_sign_in()
    {
        var validator = new ChatAuthOptionsValidator();
        var withAuthority = new ChatAuthOptions { Authority = "https://id.example.com" };
        var both = new ChatAuthOptions
        {
            Authority = "https://id.example.com",
            SigningKey = AuthTestServer.SigningKey,
            DevSignIn = new DevSignInOptions { Enabled = true },
        };

        Assert.True(validator.Validate(null, withAuthority).Succeeded);
        Assert.Contains("DevSignIn", validator.Validate(null, both).FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new ChatAuthOptions { Authority = "not a uri" }).Failed);
    }

    [Fact]
    public async Task Configured_query_paths_replace_the_defaults()
    {
        await using var server = await AuthTestServer.StartAsync(new Dictionary<string, string?> { ["Auth:QueryTokenPaths:0"] = "/api" });
        var (_, body) = await server.SignInAsync("ivan-paths");

        var api = await server.Client.GetAsync($"/api/probe?access_token={body.Token}", Ct);
        var ws = await server.Client.GetAsync($"/ws/probe?access_token={body.Token}", Ct);

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        await ProblemAssert.HasProblem(ws, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenQueryNotAllowed);
    }

    [Fact]
    public async Task Expiry_follows_the_injected_clock_with_the_configured_skew()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await AuthTestServer.StartAsync(timeProvider: clock);
        var (_, body) = await server.SignInAsync("judy-clock");
        Task<HttpResponseMessage> Probe() => server.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, "/api/probe") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", body.Token) } },
            Ct);

        Assert.Equal(clock.Now.AddHours(8).ToUnixTimeSeconds(), body.ExpiresAt.ToUnixTimeSeconds());
        clock.Now = body.ExpiresAt.AddSeconds(29);
        Assert.Equal(HttpStatusCode.OK, (await Probe()).StatusCode);

        clock.Now = body.ExpiresAt.AddSeconds(31);
        await ProblemAssert.HasProblem(await Probe(), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenExpired);
    }

    [Fact]
    public async Task Authority_mode_starts_without_a_key_and_maps_no_dev_sign_in()
    {
        await using var server = await AuthTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = "",
            ["Auth:Authority"] = "https://id.example.com",
            // AuthTestServer switches dev sign-in on for the other tests; a production setup leaves it unset (off).
            ["Auth:DevSignIn:Enabled"] = null,
        });

        var signIn = await server.Client.PostAsJsonAsync("/api/auth/sign-in", new { userName = "karl" }, Ct);
        var probe = await server.Client.GetAsync("/api/probe", Ct);

        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
        await ProblemAssert.HasProblem(probe, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenMissing);
    }

    [Fact]
    public async Task Dev_sign_in_can_be_switched_off()
    {
        await using var server = await AuthTestServer.StartAsync(new Dictionary<string, string?> { ["Auth:DevSignIn:Enabled"] = "false" });

        var signIn = await server.Client.PostAsJsonAsync("/api/auth/sign-in", new { userName = "leo" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
    }
}
