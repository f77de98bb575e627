using System.Globalization;
using System.Net;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Tests.Identity;
using ChatMesh.Chat.Tests.Infrastructure;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Problems;

/// <summary>
/// A request that fails because Redis cannot serve it for a moment answers 503 <c>store_unavailable</c> with
/// <c>Retry-After</c>, on a real Kestrel with every service's problem-details set-up, against real redis-servers: one
/// nobody listens on, and a replica whose primary is gone (it refuses writes with READONLY, as during a failover).
/// A script bug stays a 500 <c>internal_error</c>.
/// </summary>
public sealed class StoreUnavailableTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_while_redis_is_unreachable_answers_503_store_unavailable_with_retry_after()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 500;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        await using var server = await StartAsync(redis);

        using var response = await server.Client.PostAsync("/write", null, Cancel);

        await ProblemAssert.HasProblem(response, HttpStatusCode.ServiceUnavailable, ApiErrors.StoreUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_write_refused_by_a_replica_mid_failover_answers_503_and_a_script_bug_stays_500()
    {
        // A replica of a primary that is gone: it answers reads and refuses every write with READONLY.
        await using var replica = new RedisServerFixture(["--replicaof", "127.0.0.1", FreePort.Next().ToString(CultureInfo.InvariantCulture)]);
        await replica.InitializeAsync();
        await using var server = await StartAsync(replica.Connection);

        using var refused = await server.Client.PostAsync("/write", null, Cancel);
        var problem = await ProblemAssert.HasProblem(refused, HttpStatusCode.ServiceUnavailable, ApiErrors.StoreUnavailable);
        Assert.Contains("retry", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        using var bug = await server.Client.PostAsync("/bug", null, Cancel);
        // The default handler's 500: no detail (the cause is only in the logs), but the error code all problems carry.
        Assert.Equal(HttpStatusCode.InternalServerError, bug.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await bug.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(ApiErrors.Internal, body.RootElement.GetProperty("error").GetString());
        Assert.Null(bug.Headers.RetryAfter);
    }

    private static async Task<TestServer> StartAsync(IConnectionMultiplexer redis)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddChatProblemDetails();
        var app = builder.Build();
        app.UseExceptionHandler();
        // Writes through a script, as the chat's commit and queue scripts do.
        app.MapPost("/write", async () =>
        {
            await redis.GetDatabase().ScriptEvaluateAsync("return redis.call('SET', KEYS[1], ARGV[1])", ["probe"], ["1"]);
            return Microsoft.AspNetCore.Http.Results.NoContent();
        });
        app.MapPost("/bug", async () =>
        {
            await redis.GetDatabase().ScriptEvaluateAsync("return redis.call('NOSUCHCOMMAND')");
            return Microsoft.AspNetCore.Http.Results.NoContent();
        });
        await app.StartAsync(Cancel);
        var address = app.Urls.Single();
        return new TestServer(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    private sealed class TestServer(WebApplication app, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Client { get; } = client;

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.DisposeAsync();
        }
    }
}
