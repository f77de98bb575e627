using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Security;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Identity;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatMesh.Legacy.Tests.Identity;

/// <summary>
/// Legacy's JwtBearer handler over real HTTP (Kestrel on loopback, the chat's authentication as every service registers
/// it): a re-poll with a token this instance already validated is not validated again, yet a revoked or expired token is
/// refused on its next request even while cached, a held poll answered from the cache is still cut by a revocation, and
/// the cache never outgrows its bound.
/// </summary>
public sealed class CachedJwtBearerHandlerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_re_poll_with_the_same_token_is_answered_without_validating_it_again()
    {
        await using var host = await AuthHost.StartAsync();
        var token = host.Issue("alice");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("alice", await host.GetUserAsync("/poll/me", token));
        }

        // The query token of a browser is the same token: the same entry.
        Assert.Equal("alice", await host.GetUserAsync($"/poll/me?access_token={token}", bearer: null));
        AssertValidatedOnceAndCached(host);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_on_the_next_poll_although_cached()
    {
        await using var host = await AuthHost.StartAsync();
        var token = await host.AcceptedTokenAsync("bob");

        host.Revoke(token);

        await AssertRefusedAsync(await host.GetAsync("/poll/me", token), ChatAuthErrors.TokenRevoked);
        // Refused by the per-request check on the cached identity, not by a second validation.
        AssertValidatedOnceAndCached(host);
    }

    [Fact]
    public async Task A_held_poll_answered_from_the_cache_is_cut_when_its_token_is_revoked()
    {
        await using var host = await AuthHost.StartAsync();
        var token = await host.AcceptedTokenAsync("carol");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The first request's own watch goes at the end of its response.
        await Eventually(() => host.Revoked.WatchedCount == 0, deadline.Token);
        var held = host.SendGetAsync("/poll/hold", token, deadline.Token);
        await Eventually(() => host.Revoked.WatchedCount == 1, deadline.Token);
        Assert.Equal(1, host.Validations);

        host.Revoke(token);

        // Cut (no answer), well before the deadline: the watch was registered on the cached path too.
        var cut = await Assert.ThrowsAnyAsync<Exception>(() => held);
        Assert.False(deadline.IsCancellationRequested, $"The held poll was not cut, but ran into the test's deadline: {cut}");
        Assert.IsNotType<TaskCanceledException>(cut);
        await AssertRefusedAsync(await host.GetAsync("/poll/me", token), ChatAuthErrors.TokenRevoked);
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_token_expired_and_forgotten()
    {
        await using var host = await AuthHost.StartAsync();
        var token = await host.AcceptedTokenAsync("dave");

        host.Time.Now = Start + ChatAuthOptions.DefaultTokenLifetime + ChatAuthOptions.DefaultClockSkew + TimeSpan.FromSeconds(1);

        await AssertRefusedAsync(await host.GetAsync("/poll/me", token), ChatAuthErrors.TokenExpired);
        Assert.Equal(0, host.Cache.Count);
    }

    [Fact]
    public async Task A_token_past_its_expiry_is_validated_again_within_the_clock_skew_and_not_cached()
    {
        await using var host = await AuthHost.StartAsync();
        var token = await host.AcceptedTokenAsync("erin");

        // Past exp, within the skew: the validation (not the cache) decides, as it does on every other service.
        host.Time.Now = Start + ChatAuthOptions.DefaultTokenLifetime + TimeSpan.FromSeconds(1);

        Assert.Equal("erin", await host.GetUserAsync("/poll/me", token));
        Assert.Equal("erin", await host.GetUserAsync("/poll/me", token));
        Assert.Equal(3, host.Validations);
        Assert.Equal(0, host.Cache.Count);
    }

    [Fact]
    public async Task Bad_tokens_are_refused_as_before_and_never_cached()
    {
        await using var host = await AuthHost.StartAsync();
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ChatAuthOptions.DefaultIssuer,
            Audience = ChatAuthOptions.DefaultAudience,
            Subject = new ClaimsIdentity([new Claim("sub", "mallory"), new Claim("jti", "x")]),
            Expires = (Start + TimeSpan.FromHours(1)).UtcDateTime,
            IssuedAt = Start.UtcDateTime,
            NotBefore = Start.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256),
        });

        await AssertRefusedAsync(await host.GetAsync("/poll/me", forged), ChatAuthErrors.TokenInvalid);
        await AssertRefusedAsync(await host.GetAsync("/poll/me", forged), ChatAuthErrors.TokenInvalid);
        await AssertRefusedAsync(await host.GetAsync("/poll/me", bearer: null), ChatAuthErrors.TokenMissing);
        // The chat's MessageReceived still decides where a token may come from.
        await AssertRefusedAsync(await host.GetAsync($"/api/me?access_token={host.Issue("frank")}", bearer: null), ChatAuthErrors.TokenQueryNotAllowed);
        Assert.Equal(0, host.Cache.Count);
    }

    [Fact]
    public async Task The_cache_holds_at_most_its_size_and_size_zero_turns_it_off()
    {
        await using (var host = await AuthHost.StartAsync(cacheSize: 2))
        {
            var tokens = new[] { host.Issue("a1"), host.Issue("a2"), host.Issue("a3") };
            foreach (var token in tokens)
            {
                Assert.NotNull(await host.GetUserAsync("/poll/me", token));
            }

            Assert.Equal(2, host.Cache.Count);
            // The one that did not fit is validated on each request, and still accepted.
            Assert.Equal("a3", await host.GetUserAsync("/poll/me", tokens[2]));
            Assert.Equal(4, host.Validations);
        }

        await using (var off = await AuthHost.StartAsync(cacheSize: 0))
        {
            var token = off.Issue("b1");
            Assert.Equal("b1", await off.GetUserAsync("/poll/me", token));
            Assert.Equal("b1", await off.GetUserAsync("/poll/me", token));
            Assert.Equal(2, off.Validations);
            Assert.Equal(0, off.Cache.Count);
            off.Revoke(token);
            await AssertRefusedAsync(await off.GetAsync("/poll/me", token), ChatAuthErrors.TokenRevoked);
        }
    }

    [Fact]
    public async Task A_full_cache_makes_room_once_its_tokens_expire()
    {
        await using var host = await AuthHost.StartAsync(cacheSize: 1);
        Assert.Equal("g1", await host.GetUserAsync("/poll/me", host.Issue("g1")));
        host.Time.Now = Start + ChatAuthOptions.DefaultTokenLifetime + TimeSpan.FromMinutes(1);

        var fresh = host.Issue("g2");
        Assert.Equal("g2", await host.GetUserAsync("/poll/me", fresh));
        Assert.Equal("g2", await host.GetUserAsync("/poll/me", fresh));

        Assert.Equal(1, host.Cache.Count);
        Assert.Equal(2, host.Validations);
    }

    [Fact]
    public async Task A_re_poll_with_a_cached_token_is_authenticated_without_the_frameworks_handler()
    {
        await using var host = await AuthHost.StartAsync();
        var token = await host.AcceptedTokenAsync("ivan");
        var handlers = host.Handlers;

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ivan", await host.GetUserAsync("/poll/me", token));
        }

        // The browser's query token on the allowed path is the same cache entry.
        Assert.Equal("ivan", await host.GetUserAsync($"/poll/me?access_token={token}", bearer: null));
        Assert.Equal(handlers, host.Handlers);
        Assert.Equal(1, host.Validations);

        // A refusal is the framework's: its handler answers (and challenges) again.
        host.Revoke(token);
        await AssertRefusedAsync(await host.GetAsync("/poll/me", token), ChatAuthErrors.TokenRevoked);
        Assert.True(host.Handlers > handlers);
    }

    public static TheoryData<string> Requests() =>
    [
        "valid", "no token", "forged", "not a jwt", "revoked", "expired", "query token where none is allowed", "other policy",
    ];

    /// <summary>
    /// The process-wide policy evaluator (<see cref="AuthenticatedUserPolicyEvaluator"/>) answers every request as the
    /// framework's evaluator does: the same status, <c>WWW-Authenticate</c> and problem details, for accepted and refused
    /// tokens alike, and for a policy it does not decide itself.
    /// </summary>
    [Theory]
    [MemberData(nameof(Requests))]
    public async Task The_shared_policy_evaluator_answers_as_the_frameworks(string request)
    {
        await using var framework = await AuthHost.StartAsync(frameworkPolicyEvaluator: true);
        await using var shared = await AuthHost.StartAsync();
        Assert.IsType<AuthenticatedUserPolicyEvaluator>(shared.PolicyEvaluator);
        Assert.IsType<PolicyEvaluator>(framework.PolicyEvaluator);

        var expected = await AnswerAsync(framework, request);
        var actual = await AnswerAsync(shared, request);

        Assert.Equal(expected, actual);
        Assert.Equal(request is "valid" ? HttpStatusCode.OK : request is "other policy" ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized, actual.Status);
    }

    public static TheoryData<string> CachedRequests() =>
    [
        "valid", "valid again", "valid query token", "no token", "forged", "not a jwt", "revoked", "expired",
        "expired within the skew", "query token where none is allowed", "two query tokens", "other policy",
        "header and query token", "anonymous route", "route without authorization", "unknown route",
    ];

    /// <summary>
    /// Legacy's authentication as a whole (the cached-token middleware, the handler's cache, the shared policy evaluator)
    /// answers every request exactly as the framework's JwtBearer alone does: status, <c>WWW-Authenticate</c> and problem
    /// details, for tokens the instance has cached (then revoked, expired, or used where they are not accepted) and others.
    /// </summary>
    [Theory]
    [MemberData(nameof(CachedRequests))]
    public async Task Legacys_authentication_answers_as_jwt_bearer_alone(string request)
    {
        await using var framework = await AuthHost.StartAsync(framework: true);
        await using var legacy = await AuthHost.StartAsync();

        var expected = await CachedAnswerAsync(framework, request);
        var actual = await CachedAnswerAsync(legacy, request);

        Assert.Equal(expected, actual);
        var status = request switch
        {
            "valid" or "valid again" or "valid query token" or "expired within the skew" or "header and query token"
                or "anonymous route" or "route without authorization" => HttpStatusCode.OK,
            "other policy" => HttpStatusCode.Forbidden,
            "unknown route" => HttpStatusCode.NotFound,
            _ => HttpStatusCode.Unauthorized,
        };
        Assert.Equal(status, actual.Status);
    }

    private static async Task<(HttpStatusCode Status, string? Challenge, string Body)> CachedAnswerAsync(AuthHost host, string request)
    {
        // Every case starts from a token this host accepted once (cached where a cache is on).
        var token = await host.AcceptedTokenAsync("judy");
        var (path, bearer) = request switch
        {
            "valid" or "revoked" or "expired" or "expired within the skew" => ("/poll/me", token),
            "valid again" => ("/poll/me", token),
            "valid query token" => ($"/poll/me?access_token={token}", null),
            "no token" => ("/poll/me", null),
            "forged" => ("/poll/me", token[..^4] + "AAAA"),
            "not a jwt" => ("/poll/me", "not-a-token"),
            "query token where none is allowed" => ($"/api/me?access_token={token}", null),
            "two query tokens" => ($"/poll/me?access_token={token}&access_token={token}", null),
            "other policy" => ("/poll/admin", token),
            "header and query token" => ($"/poll/me?access_token=not-a-token", token),
            "anonymous route" => ("/poll/open", token),
            "route without authorization" => ("/poll/public", token),
            "unknown route" => ("/poll/nowhere", token),
            _ => throw new ArgumentOutOfRangeException(nameof(request)),
        };
        if (request is "valid again")
        {
            Assert.Equal("judy", await host.GetUserAsync(path, bearer));
        }
        else if (request is "revoked")
        {
            host.Revoke(token);
        }
        else if (request is "expired")
        {
            host.Time.Now = Start + ChatAuthOptions.DefaultTokenLifetime + ChatAuthOptions.DefaultClockSkew + TimeSpan.FromSeconds(1);
        }
        else if (request is "expired within the skew")
        {
            host.Time.Now = Start + ChatAuthOptions.DefaultTokenLifetime + TimeSpan.FromSeconds(1);
        }

        return await ReadAnswerAsync(host, path, bearer);
    }

    private static async Task<(HttpStatusCode Status, string? Challenge, string Body)> ReadAnswerAsync(AuthHost host, string path, string? bearer)
    {
        using var response = await host.GetAsync(path, bearer);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        // A problem's traceId names the request, so it differs between any two requests.
        if (body.StartsWith('{'))
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
            json.Remove("traceId");
            body = json.ToJsonString();
        }

        return (response.StatusCode, response.Headers.WwwAuthenticate.ToString(), body);
    }

    private static async Task<(HttpStatusCode Status, string? Challenge, string Body)> AnswerAsync(AuthHost host, string request)
    {
        var token = host.Issue("henry");
        var (path, bearer) = request switch
        {
            "valid" => ("/poll/me", token),
            "no token" => ("/poll/me", null),
            "forged" => ("/poll/me", token[..^4] + "AAAA"),
            "not a jwt" => ("/poll/me", "not-a-token"),
            "revoked" => ("/poll/me", await host.AcceptedTokenAsync("henry")),
            "expired" => ("/poll/me", await host.AcceptedTokenAsync("henry")),
            "query token where none is allowed" => ($"/api/me?access_token={token}", null),
            "other policy" => ("/poll/admin", token),
            _ => throw new ArgumentOutOfRangeException(nameof(request)),
        };
        if (request is "revoked")
        {
            host.Revoke(bearer!);
        }
        else if (request is "expired")
        {
            host.Time.Now = Start + ChatAuthOptions.DefaultTokenLifetime + ChatAuthOptions.DefaultClockSkew + TimeSpan.FromSeconds(1);
        }

        return await ReadAnswerAsync(host, path, bearer);
    }

    private static void AssertValidatedOnceAndCached(AuthHost host)
    {
        Assert.Equal(1, host.Validations);
        Assert.Equal(1, host.Cache.Count);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string error)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal(error, problem.GetProperty("error").GetString());
        }
    }

    private static async Task Eventually(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    private sealed class AuthHost : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;
        private readonly ValidationCounter _counter;

        private AuthHost(WebApplication app, ValidationCounter counter)
        {
            _app = app;
            _counter = counter;
            _client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        }

        public ManualTime Time => (ManualTime)_app.Services.GetRequiredService<TimeProvider>();

        public ValidatedTokenCache Cache => _app.Services.GetRequiredService<ValidatedTokenCache>();

        public RevokedTokens Revoked => _app.Services.GetRequiredService<RevokedTokens>();

        public int Validations => _counter.Count;

        /// <summary>JwtBearer handlers the framework's authentication created (one per request it authenticates).</summary>
        public int Handlers => _counter.Handlers;

        public IPolicyEvaluator PolicyEvaluator
        {
            get
            {
                using var scope = _app.Services.CreateScope();
                return scope.ServiceProvider.GetRequiredService<IPolicyEvaluator>();
            }
        }

        /// <summary>
        /// A host authenticating as legacy does; <paramref name="framework"/>: as the framework alone does (JwtBearer's own
        /// middleware, handler path and policy evaluator, no cache), the reference every refusal is compared with.
        /// </summary>
        public static async Task<AuthHost> StartAsync(int cacheSize = 100, bool frameworkPolicyEvaluator = false, bool framework = false)
        {
            if (framework)
            {
                cacheSize = 0;
                frameworkPolicyEvaluator = true;
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            builder.Configuration["Auth:SigningKey"] = "a-test-signing-key-of-at-least-32-bytes!";
            builder.Services.AddSingleton<TimeProvider>(new ManualTime { Now = Start });
            builder.AddChatAuthentication();
            builder.Services.Configure<LegacyOptions>(options => options.ValidatedTokenCacheSize = cacheSize);
            builder.Services.AddLegacyAuthentication();
            var counter = new ValidationCounter();
            builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                for (var i = 0; i < options.TokenHandlers.Count; i++)
                {
                    options.TokenHandlers[i] = new CountingTokenHandler(options.TokenHandlers[i], counter);
                }
            });

            builder.Services.Replace(ServiceDescriptor.Transient(provider =>
            {
                counter.CountHandler();
                return ActivatorUtilities.CreateInstance<CachedJwtBearerHandler>(provider);
            }));
            if (frameworkPolicyEvaluator)
            {
                // As before AuthenticatedUserPolicyEvaluator: the framework's evaluator, built per request.
                builder.Services.Replace(ServiceDescriptor.Transient<IPolicyEvaluator, PolicyEvaluator>());
            }

            var app = builder.Build();
            if (!framework)
            {
                app.UseLegacyAuthentication();
            }

            app.MapGet("/poll/me", (ClaimsPrincipal user) => user.GetUserId()).RequireAuthorization();
            app.MapGet("/poll/admin", (ClaimsPrincipal user) => user.GetUserId())
                .RequireAuthorization(policy => policy.RequireClaim("role", "admin"));
            app.MapGet("/api/me", (ClaimsPrincipal user) => user.GetUserId()).RequireAuthorization();
            // The user is known on a route that does not require one, as the framework's middleware leaves it.
            app.MapGet("/poll/open", (ClaimsPrincipal user) => user.Identity?.Name ?? "nobody").RequireAuthorization().AllowAnonymous();
            app.MapGet("/poll/public", (ClaimsPrincipal user) => user.Identity?.Name ?? "nobody");
            app.MapGet("/poll/hold", async (HttpContext http) =>
            {
                await Task.Delay(TimeSpan.FromMinutes(1), http.RequestAborted);
                return "not cut";
            }).RequireAuthorization();
            await app.StartAsync(TestContext.Current.CancellationToken);
            return new AuthHost(app, counter);
        }

        /// <summary>A token for <paramref name="user"/>, accepted once (so validated and cached).</summary>
        public async Task<string> AcceptedTokenAsync(string user)
        {
            var token = Issue(user);
            Assert.Equal(user, await GetUserAsync("/poll/me", token));
            return token;
        }

        public string Issue(string user) => _app.Services.GetRequiredService<ChatTokenIssuer>().Issue(user, user).Token;

        public void Revoke(string token) =>
            Revoked.Add(new JsonWebToken(token).Id, Start + ChatAuthOptions.DefaultTokenLifetime + ChatAuthOptions.DefaultClockSkew);

        public Task<HttpResponseMessage> GetAsync(string path, string? bearer) => SendGetAsync(path, bearer, TestContext.Current.CancellationToken);

        public async Task<HttpResponseMessage> SendGetAsync(string path, string? bearer, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            return await _client.SendAsync(request, cancellationToken);
        }

        public async Task<string?> GetUserAsync(string path, string? bearer)
        {
            using var response = await GetAsync(path, bearer);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.DisposeAsync();
        }
    }

    private sealed class ValidationCounter
    {
        private int _count;
        private int _handlers;

        public int Count => Volatile.Read(ref _count);

        public int Handlers => Volatile.Read(ref _handlers);

        public void Increment() => Interlocked.Increment(ref _count);

        public void CountHandler() => Interlocked.Increment(ref _handlers);
    }

    private sealed class CountingTokenHandler(TokenHandler inner, ValidationCounter counter) : TokenHandler
    {
        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            counter.Increment();
            return inner.ValidateTokenAsync(token, validationParameters);
        }

        public override SecurityToken ReadToken(string token) => inner.ReadToken(token);
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
