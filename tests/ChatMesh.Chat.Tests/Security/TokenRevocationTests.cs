using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Security;
using ChatMesh.Chat.Tests.Identity;
using ChatMesh.Chat.Tests.Infrastructure;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Security;

/// <summary>Sign-out revokes the token by its jti: refused on every instance that shares the Redis, held requests cut.</summary>
public sealed class TokenRevocationTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<AuthTestServer> StartInstanceAsync() =>
        AuthTestServer.StartAsync(services: services => services.AddSingleton<IConnectionMultiplexer>(redis.Connection));

    private static HttpRequestMessage Get(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<HttpResponseMessage> SignOutAsync(AuthTestServer server, string token, bool asCookie = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-out");
        if (asCookie)
        {
            request.Headers.Add("Cookie", $"{ChatAuthOptions.DefaultCookieName}={token}");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await server.Client.SendAsync(request, Ct);
    }

    private static async Task<HttpResponseMessage> EventuallyRefusedAsync(AuthTestServer server, string path, string token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var response = await server.Client.SendAsync(Get(path, token), Ct);
            if (response.StatusCode != HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                return response;
            }

            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task Signed_out_bearer_token_is_401_token_revoked_on_this_and_another_instance()
    {
        await using var a = await StartInstanceAsync();
        await using var b = await StartInstanceAsync();
        var (_, signedIn) = await a.SignInAsync("rev-bearer");
        Assert.Equal(HttpStatusCode.OK, (await b.Client.SendAsync(Get("/api/probe", signedIn.Token), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await SignOutAsync(a, signedIn.Token)).StatusCode);

        await ProblemAssert.HasProblem(await a.Client.SendAsync(Get("/api/probe", signedIn.Token), Ct), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenRevoked);
        await ProblemAssert.HasProblem(await EventuallyRefusedAsync(b, "/api/probe", signedIn.Token), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenRevoked);
        // Signing in again gives a new token (a new jti) that works.
        var (_, again) = await a.SignInAsync("rev-bearer");
        Assert.Equal(HttpStatusCode.OK, (await b.Client.SendAsync(Get("/api/probe", again.Token), Ct)).StatusCode);
    }

    [Fact]
    public async Task Signed_out_cookie_token_is_revoked_and_the_cookie_deleted()
    {
        await using var a = await StartInstanceAsync();
        var (_, signedIn) = await a.SignInAsync("rev-cookie");

        var signOut = await SignOutAsync(a, signedIn.Token, asCookie: true);

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Contains(signOut.Headers.GetValues("Set-Cookie"), value => value.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        await ProblemAssert.HasProblem(await a.Client.SendAsync(Get("/api/probe", signedIn.Token), Ct), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenRevoked);
    }

    [Fact]
    public async Task A_long_lived_request_held_by_the_token_is_cut_on_another_instance()
    {
        await using var a = await StartInstanceAsync();
        await using var b = await StartInstanceAsync();
        var (_, signedIn) = await a.SignInAsync("rev-hold");
        var held = b.Client.SendAsync(Get("/ws/hold", signedIn.Token), HttpCompletionOption.ResponseHeadersRead, Ct);
        await Eventually.TrueAsync(() => b.Services.GetRequiredService<RevokedTokens>().WatchedCount == 1);

        Assert.Equal(HttpStatusCode.NoContent, (await SignOutAsync(a, signedIn.Token)).StatusCode);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => held.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_restarted_instance_reads_the_revocations_made_before_it_started()
    {
        await using var a = await StartInstanceAsync();
        var (_, signedIn) = await a.SignInAsync("rev-restart");
        Assert.Equal(HttpStatusCode.NoContent, (await SignOutAsync(a, signedIn.Token)).StatusCode);

        await using var late = await StartInstanceAsync();

        await ProblemAssert.HasProblem(await late.Client.SendAsync(Get("/api/probe", signedIn.Token), Ct), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenRevoked);
    }

    [Fact]
    public async Task A_token_without_jti_is_401_token_invalid()
    {
        await using var a = await StartInstanceAsync();
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ChatAuthOptions.DefaultIssuer,
            Audience = ChatAuthOptions.DefaultAudience,
            Expires = DateTime.UtcNow.AddHours(1),
            Subject = new ClaimsIdentity([new Claim(ChatClaimTypes.Subject, "no-jti")]),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthTestServer.SigningKey)), SecurityAlgorithms.HmacSha256),
        });

        await ProblemAssert.HasProblem(await a.Client.SendAsync(Get("/api/probe", token), Ct), HttpStatusCode.Unauthorized, ChatAuthErrors.TokenInvalid);
    }

    [Fact]
    public async Task Signing_out_an_expired_or_forged_token_revokes_nothing_and_still_clears_the_cookie()
    {
        await using var a = await StartInstanceAsync();
        var revoked = a.Services.GetRequiredService<RevokedTokens>();
        var before = revoked.Count;

        var signOut = await SignOutAsync(a, "not-a-token");

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Equal(before, revoked.Count);
    }
}
