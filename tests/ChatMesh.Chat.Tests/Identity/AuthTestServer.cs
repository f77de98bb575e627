using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.Chat.Tests.Identity;

/// <summary>A tiny service on Kestrel (loopback, free port) with ChatMesh auth, dev sign-in and probe endpoints.</summary>
internal sealed class AuthTestServer : IAsyncDisposable
{
    public const string SigningKey = "chatmesh-test-signing-key-0123456789abcdef";

    private readonly WebApplication app;

    private AuthTestServer(WebApplication app, HttpClient client)
    {
        this.app = app;
        Client = client;
    }

    /// <summary>A client that never stores cookies, so every test states exactly what it sends.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    public static WebApplication Build(
        IDictionary<string, string?>? settings = null, TimeProvider? timeProvider = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = SigningKey,
            // Off by default now; these tests exercise it, and one switches it back off.
            ["Auth:DevSignIn:Enabled"] = "true",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        services?.Invoke(builder.Services);
        builder.AddChatAuthentication();

        var app = builder.Build();
        app.UseChatSourceLimits();
        app.MapDevSignIn();
        app.MapGet("/ws/probe", (ClaimsPrincipal user) => user.GetUserId()).RequireAuthorization();
        // A long-lived request (like a WebSocket or a held poll): answers only when the client goes away or it is cut.
        app.MapGet("/ws/hold", async (HttpContext context) =>
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return "released";
        }).RequireAuthorization();
        app.MapGet("/wsx/probe", (ClaimsPrincipal user) => user.GetUserId()).RequireAuthorization();
        app.MapGet("/api/probe", (ClaimsPrincipal user) => user.GetUserId()).RequireAuthorization();
        app.MapGet("/api/identity", (ClaimsPrincipal user) => new IdentityProbe(
            user.GetUserId(),
            user.GetDisplayName(),
            user.Identity is Microsoft.IdentityModel.Tokens.CaseSensitiveClaimsIdentity { SecurityToken: not null })).RequireAuthorization();
        app.MapGet("/api/admin", () => "secret").RequireAuthorization(policy => policy.RequireClaim("role", "admin"));
        return app;
    }

    public static async Task<AuthTestServer> StartAsync(
        IDictionary<string, string?>? settings = null, TimeProvider? timeProvider = null, Action<IServiceCollection>? services = null)
    {
        var app = Build(settings, timeProvider, services);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(app.Urls.Single()),
        };
        return new AuthTestServer(app, client);
    }

    public async Task<(HttpResponseMessage Response, SignInResponse Body)> SignInAsync(string userName, string? displayName = null)
    {
        var response = await Client.PostAsJsonAsync(
            "/api/auth/sign-in", new { userName, displayName }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<SignInResponse>(JsonSerializerOptions.Web, TestContext.Current.CancellationToken);
        return (response, body!);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}

/// <summary>One server shared by the tests of a class; they isolate by user name.</summary>
public sealed class AuthServerFixture : IAsyncLifetime
{
    private AuthTestServer? server;

    internal AuthTestServer Server => server ?? throw new InvalidOperationException("The server has not started.");

    public async ValueTask InitializeAsync() => server = await AuthTestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>What <c>/api/identity</c> says of the signed-in principal.</summary>
internal sealed record IdentityProbe(string UserId, string DisplayName, bool HoldsToken);
