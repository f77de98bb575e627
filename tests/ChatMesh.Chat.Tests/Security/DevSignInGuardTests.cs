using System.Net;
using System.Net.Http.Json;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Tests.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.Security;

/// <summary>Dev sign-in cannot be on by accident: off unless configured, refused in Production without the second switch.</summary>
public sealed class DevSignInGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static WebApplication Build(string environment, IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:SigningKey"] = AuthTestServer.SigningKey });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddChatAuthentication();
        var app = builder.Build();
        app.MapDevSignIn();
        return app;
    }

    [Fact]
    public async Task Unconfigured_dev_sign_in_is_off_even_in_Development_but_sign_out_stays()
    {
        await using var app = Build(Environments.Development, new Dictionary<string, string?>());
        await app.StartAsync(Ct);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var signIn = await client.PostAsJsonAsync("/api/auth/sign-in", new { userName = "nobody" }, Ct);
        var signOut = await client.PostAsync("/api/auth/sign-out", null, Ct);

        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
    }

    [Fact]
    public async Task Dev_sign_in_in_Production_stops_the_service_at_start()
    {
        await using var app = Build(Environments.Production, new Dictionary<string, string?> { ["Auth:DevSignIn:Enabled"] = "true" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains("Auth:DevSignIn:AllowInProduction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dev_sign_in_in_Production_starts_only_with_the_explicit_second_switch()
    {
        await using var app = Build(Environments.Production, new Dictionary<string, string?>
        {
            ["Auth:DevSignIn:Enabled"] = "true",
            ["Auth:DevSignIn:AllowInProduction"] = "true",
        });
        await app.StartAsync(Ct);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var signIn = await client.PostAsJsonAsync("/api/auth/sign-in", new { userName = "ops" }, Ct);

        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }

    [Fact]
    public async Task Production_without_dev_sign_in_starts_and_refuses_sign_in()
    {
        await using var app = Build(Environments.Production, new Dictionary<string, string?>());
        await app.StartAsync(Ct);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var signIn = await client.PostAsJsonAsync("/api/auth/sign-in", new { userName = "mallory" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
    }
}
