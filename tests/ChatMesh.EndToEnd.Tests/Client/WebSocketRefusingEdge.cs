using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>
/// A proxy in front of the real edge that refuses <c>/ws</c> with 404 problem details (as a network whose proxy drops
/// WebSockets does) and streams everything else through unchanged, so the client's fallback meets a real refusal.
/// </summary>
internal sealed class WebSocketRefusingEdge : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly HttpClient _upstream;
    private readonly WebApplication _app;
    private int _refusedHandshakes;

    private WebSocketRefusingEdge(Uri upstream)
    {
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = upstream,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        // One terminal delegate (not Map: endpoints run after terminal middleware, so /ws would be forwarded).
        _app.Run(context => context.Request.Path.StartsWithSegments("/ws") ? RefuseAsync(context) : ForwardAsync(context));
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>How many WebSocket handshakes it refused.</summary>
    public int RefusedHandshakes => Volatile.Read(ref _refusedHandshakes);

    public static async Task<WebSocketRefusingEdge> StartAsync(Uri upstream)
    {
        var edge = new WebSocketRefusingEdge(upstream);
        await edge._app.StartAsync();
        edge.Address = new Uri(edge._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return edge;
    }

    private async Task RefuseAsync(HttpContext context)
    {
        Interlocked.Increment(ref _refusedHandshakes);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync("""{"status":404,"title":"Not Found","error":"not_found"}""");
    }

    private async Task ForwardAsync(HttpContext context)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        // Stream, flushing every read: an SSE response must reach the client as it is written.
        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away (or the upstream stream ended abruptly): nothing more to forward.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
