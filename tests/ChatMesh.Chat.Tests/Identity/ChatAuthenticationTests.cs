using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatMesh.Chat.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatMesh.Chat.Tests.Identity;

/// <summary>Token sources and 401/403 answers, over real HTTP.</summary>
public sealed class ChatAuthenticationTests(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    private AuthTestServer Server => fixture.Server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> GetAsync(string path, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure?.Invoke(request);
        return Server.Client.SendAsync(request, Ct);
    }

    private static ChatTokenIssuer Issuer(string signingKey, TimeProvider time) =>
        new(Options.Create(new ChatAuthOptions { SigningKey = signingKey }), time);

    [Fact]
    public async Task Sign_in_returns_a_token_and_sets_an_HttpOnly_SameSite_Strict_cookie()
    {
        var (response, body) = await Server.SignInAsync("alice-signin", "  Alice  ");

        Assert.Equal("alice-signin", body.UserId);
        Assert.Equal("Alice", body.DisplayName);
        Assert.False(string.IsNullOrEmpty(body.Token));
        Assert.InRange(body.ExpiresAt, DateTimeOffset.UtcNow.AddHours(8).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(8).AddMinutes(1));

        var cookie = Assert.Single(SetCookieHeaderValue.ParseList(response.Headers.GetValues("Set-Cookie").ToList()));
        Assert.Equal(ChatAuthOptions.DefaultCookieName, cookie.Name.ToString());
        Assert.Equal(body.Token, cookie.Value.ToString());
        Assert.True(cookie.HttpOnly);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Strict, cookie.SameSite);
        Assert.False(cookie.Secure); // plain http on loopback
        Assert.Equal("/", cookie.Path.ToString());
        Assert.Equal(body.ExpiresAt, cookie.Expires);
    }

    [Fact]
    public async Task The_principal_keeps_its_claims_but_not_the_parsed_token()
    {
        var (_, body) = await Server.SignInAsync("dora-slim", "Dora");

        var response = await GetAsync("/api/identity", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body.Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var identity = await response.Content.ReadFromJsonAsync<IdentityProbe>(Ct);
        Assert.Equal(new IdentityProbe("dora-slim", "Dora", HoldsToken: false), identity);
    }

    [Fact]
    public async Task Display_name_defaults_to_the_user_name()
    {
        var (_, body) = await Server.SignInAsync("bob-default");

        Assert.Equal("bob-default", body.DisplayName);
    }

    [Fact]
    public async Task Token_works_as_bearer_header()
    {
        var (_, body) = await Server.SignInAsync("carol-bearer");

        var response = await GetAsync("/api/probe", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body.Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("carol-bearer", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Token_works_as_cookie_and_me_reports_the_user()
    {
        var (_, body) = await Server.SignInAsync("dave-cookie", "Dave");

        var probe = await GetAsync("/api/probe", r => r.Headers.Add("Cookie", $"{ChatAuthOptions.DefaultCookieName}={body.Token}"));
        var me = await GetAsync("/api/auth/me", r => r.Headers.Add("Cookie", $"{ChatAuthOptions.DefaultCookieName}={body.Token}"));

        Assert.Equal("dave-cookie", await probe.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var meBody = await me.Content.ReadAsStringAsync(Ct);
        Assert.Equal("""{"userId":"dave-cookie","displayName":"Dave"}""", meBody);
    }

    [Fact]
    public async Task Query_token_is_accepted_on_ws_paths_only()
    {
        var (_, body) = await Server.SignInAsync("erin-query");

        var ws = await GetAsync($"/ws/probe?access_token={body.Token}");
        var api = await GetAsync($"/api/probe?access_token={body.Token}");
        var lookalike = await GetAsync($"/wsx/probe?access_token={body.Token}");

        Assert.Equal(HttpStatusCode.OK, ws.StatusCode);
        Assert.Equal("erin-query", await ws.Content.ReadAsStringAsync(Ct));
        await ProblemAssert.HasProblem(api, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenQueryNotAllowed);
        await ProblemAssert.HasProblem(lookalike, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenQueryNotAllowed);
    }

    [Fact]
    public async Task Missing_token_is_401_token_missing()
    {
        var response = await GetAsync("/api/probe");

        await ProblemAssert.HasProblem(response, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenMissing);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        await ProblemAssert.HasProblem(await GetAsync("/ws/probe"), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenMissing);
        await ProblemAssert.HasProblem(await GetAsync("/api/auth/me"), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenMissing);
    }

    [Fact]
    public async Task Token_signed_with_another_key_is_401_token_invalid()
    {
        var forged = Issuer("another-key-that-is-long-enough-0123456789", TimeProvider.System).Issue("mallory", "Mallory");

        var response = await GetAsync("/api/probe", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged.Token));

        await ProblemAssert.HasProblem(response, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenInvalid);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.")] // alg "none", unsigned
    public async Task Malformed_or_unsigned_token_is_401_token_invalid(string token)
    {
        var response = await GetAsync("/api/probe", r => r.Headers.Add("Cookie", $"{ChatAuthOptions.DefaultCookieName}={token}"));

        await ProblemAssert.HasProblem(response, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenInvalid);
    }

    [Fact]
    public async Task Expired_token_is_401_token_expired()
    {
        var past = new ManualTimeProvider(DateTimeOffset.UtcNow.AddHours(-9));
        var expired = Issuer(AuthTestServer.SigningKey, past).Issue("frank-expired", "Frank");

        var response = await GetAsync("/api/probe", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", expired.Token));

        var problem = await ProblemAssert.HasProblem(response, HttpStatusCode.Unauthorized, ChatAuthErrors.TokenExpired);
        Assert.Contains("expired", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticated_but_refused_by_policy_is_403_forbidden()
    {
        var (_, body) = await Server.SignInAsync("grace-forbidden");

        var response = await GetAsync("/api/admin", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body.Token));

        await ProblemAssert.HasProblem(response, HttpStatusCode.Forbidden, ChatAuthErrors.Forbidden);
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 40 characters
    [InlineData("../x")]
    [InlineData("alice\n")]
    [InlineData("-alice")]
    [InlineData(null)]
    public async Task Bad_user_name_is_400_problem_details(string? userName)
    {
        var response = await Server.Client.PostAsJsonAsync("/api/auth/sign-in", new { userName }, Ct);

        var problem = await ProblemAssert.HasProblem(response, HttpStatusCode.BadRequest, ChatAuthErrors.UserNameInvalid);
        Assert.True(problem.GetProperty("errors").TryGetProperty("userName", out _));
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData(65)]
    [InlineData(-1)] // a control character
    public async Task Bad_display_name_is_400_problem_details(int length)
    {
        var displayName = length < 0 ? "Heidi\u001b[2J" : new string('x', length);
        var response = await Server.Client.PostAsJsonAsync(
            "/api/auth/sign-in", new { userName = "heidi-long", displayName }, Ct);

        await ProblemAssert.HasProblem(response, HttpStatusCode.BadRequest, ChatAuthErrors.DisplayNameInvalid);
    }

    [Fact]
    public async Task Sign_out_is_204_and_deletes_the_cookie()
    {
        var response = await Server.Client.PostAsync("/api/auth/sign-out", content: null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var cookie = Assert.Single(SetCookieHeaderValue.ParseList(response.Headers.GetValues("Set-Cookie").ToList()));
        Assert.Equal(ChatAuthOptions.DefaultCookieName, cookie.Name.ToString());
        Assert.True(cookie.Expires < DateTimeOffset.UtcNow);
        Assert.Equal("/", cookie.Path.ToString());
    }
}
