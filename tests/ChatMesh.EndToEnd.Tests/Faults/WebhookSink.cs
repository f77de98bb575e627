using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.Testing.Faults;

/// <summary>
/// A webhook endpoint on a local Kestrel (127.0.0.2, the address the integration service under test allow-lists)
/// that answers 200 and dedupes on <c>webhook-id</c>, as Standard Webhooks tells a receiver to.
/// </summary>
public sealed class WebhookSink : IAsyncDisposable
{
    public const string Address = "127.0.0.2";

    private readonly WebApplication _app;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private int _requests;

    private WebhookSink(WebApplication app, DeliveryLog log, string room)
    {
        _app = app;
        Log = log;
        app.MapPost("/faults", async context =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var id = context.Request.Headers["webhook-id"].ToString();
            Interlocked.Increment(ref _requests);
            bool first;
            lock (_seen)
            {
                first = _seen.Add(id);
            }

            if (first)
            {
                Log.Record(body.RootElement, room);
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
        });
    }

    public DeliveryLog Log { get; }

    public string Url { get; private set; } = "";

    /// <summary>Requests beyond the first per <c>webhook-id</c> (at-least-once redeliveries the receiver dropped).</summary>
    public int Redeliveries
    {
        get
        {
            lock (_seen)
            {
                return Volatile.Read(ref _requests) - _seen.Count;
            }
        }
    }

    public static async Task<WebhookSink> StartAsync(DeliveryLog log, string room, CancellationToken cancel)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{Address}:0");
        builder.Logging.ClearProviders();
        var sink = new WebhookSink(builder.Build(), log, room);
        await sink._app.StartAsync(cancel);
        var address = sink._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sink.Url = $"{address.TrimEnd('/')}/faults";
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
