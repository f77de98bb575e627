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
/// A proxy in front of the real edge that refuses some paths (<c>/ws</c>, <c>/sse</c>) with 404 problem details (as a
/// network whose proxy drops WebSockets or streams does) and streams everything else through unchanged, so the client's
/// fallback meets a real refusal. <see cref="DropConnections"/> cuts every request in flight, as a network failure does.
/// </summary>
internal sealed class RefusingEdge : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly HttpClient _upstream;
    private readonly WebApplication _app;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _refused = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<HttpContext, byte> _inFlight = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _refusals = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _forwarded = new(StringComparer.Ordinal);
    private readonly List<string> _queueIds = [];

    private RefusingEdge(Uri upstream, string[] refused)
    {
        foreach (var path in refused)
        {
            _refused[path] = 0;
        }

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
        _app.Run(context => _refused.Keys.FirstOrDefault(path => context.Request.Path.StartsWithSegments(path)) is { } refusedPath
            ? RefuseAsync(context, refusedPath)
            : ForwardAsync(context));
    }

    /// <summary>The problem <c>error</c> code of its refusals.</summary>
    public const string RefusalCode = "not_proxied";

    public Uri Address { get; private set; } = null!;

    /// <summary>How many WebSocket handshakes (requests to <c>/ws</c>) it refused.</summary>
    public int RefusedHandshakes => Refused("/ws");

    /// <summary>How many requests to <paramref name="path"/> it refused.</summary>
    public int Refused(string path) => _refusals.GetValueOrDefault(path);

    /// <summary>How many requests whose path starts with <paramref name="prefix"/> it forwarded.</summary>
    public int Forwarded(string prefix) => _forwarded.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(pair => pair.Value);

    /// <summary>The long-poll queues polled through this edge (from <c>/poll/queues/{id}/events</c>), in order of first poll.</summary>
    public IReadOnlyList<string> QueueIds
    {
        get
        {
            lock (_queueIds)
            {
                return [.. _queueIds];
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> forwarded requests under <paramref name="prefix"/> are in flight (held polls).</summary>
    public async Task WaitForInFlightAsync(string prefix, int count)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (_inFlight.Keys.Count(context => context.Request.Path.StartsWithSegments(prefix)) < count)
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    /// <summary>Refuses <paramref name="path"/> from now on (as a proxy that is being reconfigured).</summary>
    public void Refuse(string path) => _refused[path] = 0;

    /// <summary>Forwards <paramref name="path"/> again.</summary>
    public void Allow(string path) => _refused.TryRemove(path, out _);

    /// <summary>Aborts every forwarded request in flight (a held poll, an SSE stream): the client sees its connection reset.</summary>
    public int DropConnections()
    {
        var dropped = 0;
        foreach (var context in _inFlight.Keys)
        {
            context.Abort();
            dropped++;
        }

        return dropped;
    }

    public static Task<RefusingEdge> StartAsync(Uri upstream) => StartAsync(upstream, "/ws");

    public static async Task<RefusingEdge> StartAsync(Uri upstream, params string[] refused)
    {
        var edge = new RefusingEdge(upstream, refused);
        await edge._app.StartAsync();
        edge.Address = new Uri(edge._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return edge;
    }

    private async Task RefuseAsync(HttpContext context, string path)
    {
        _refusals.AddOrUpdate(path, 1, (_, count) => count + 1);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync($$"""{"status":404,"title":"Not Found","error":"{{RefusalCode}}"}""");
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        _forwarded.AddOrUpdate(path, 1, (_, count) => count + 1);
        if (path.StartsWith("/poll/queues/", StringComparison.Ordinal) && path.EndsWith("/events", StringComparison.Ordinal))
        {
            var id = path["/poll/queues/".Length..^"/events".Length];
            lock (_queueIds)
            {
                if (!_queueIds.Contains(id))
                {
                    _queueIds.Add(id);
                }
            }
        }

        _inFlight[context] = 0;
        try
        {
            await ForwardCoreAsync(context);
        }
        finally
        {
            _inFlight.TryRemove(context, out _);
        }
    }

    private async Task ForwardCoreAsync(HttpContext context)
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
