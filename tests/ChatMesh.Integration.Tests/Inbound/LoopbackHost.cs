using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>
/// A route on a real Kestrel on a free loopback port, for what only a real connection shows (a 413 that leaves the body
/// unread, broken chunk framing). Shared by HookRouteTests (integration) and UploadRouteTests (gateway, linked).
/// </summary>
internal static class LoopbackHost
{
    /// <summary>A slim builder listening on a free loopback port, without log output.</summary>
    public static WebApplicationBuilder Builder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>Starts the app and returns a client of its address.</summary>
    public static async Task<HttpClient> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        return new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
    }

    /// <summary>Stops what <see cref="StartAsync"/> started and removes the test's folder.</summary>
    public static async ValueTask StopAsync(WebApplication? app, HttpClient? client, string folder)
    {
        client?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }
}
