using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.EndToEnd.Tests.Webhooks;

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedWebhook(string Path, IHeaderDictionary Headers, byte[] Body, DateTimeOffset At)
{
    public string Id => Headers["webhook-id"].ToString();
}

/// <summary>
/// A real HTTP server on <see cref="Address"/> (port 0) inside the test. Each path has a behaviour: given the request number on that path
/// (1-based), it writes the answer (a status, a delay, a hang). Every request is recorded before the behaviour runs.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Func<int, HttpContext, Task>> behaviours = new();
    private readonly ConcurrentDictionary<string, int> counts = new();
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private int hanging;

    /// <summary>
    /// The receivers listen on 127.0.0.2, the one address the integration service under test allow-lists, so 127.0.0.1 and
    /// <c>localhost</c> stay refused there like any loopback target.
    /// </summary>
    public const string Address = "127.0.0.2";

    private WebhookReceiver(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Requests being held open right now by <see cref="Hang"/>.</summary>
    public int Hanging => Volatile.Read(ref hanging);

    public int MaxHanging { get; private set; }

    public IReadOnlyList<ReceivedWebhook> Received => [.. received];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{Address}:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", receiver.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseUrl = address.TrimEnd('/');
        return receiver;
    }

    /// <summary>A new path with <paramref name="behaviour"/>; returns its full URL.</summary>
    public string Path(string name, Func<int, HttpContext, Task>? behaviour = null)
    {
        behaviours[name] = behaviour ?? ((_, _) => Task.CompletedTask);
        return $"{BaseUrl}/{name}";
    }

    public IReadOnlyList<ReceivedWebhook> On(string name) => [.. received.Where(request => request.Path == name)];

    /// <summary>Waits until <paramref name="condition"/> holds for the requests on <paramref name="name"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(string name, Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var requests = On(name);
            if (condition(requests))
            {
                return requests;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Receiver path '{name}' has {requests.Count} requests; the condition did not hold in time.");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public static Func<int, HttpContext, Task> Status(int status) => (_, context) =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    /// <summary>Holds the request open until the sender gives up (its timeout) or the test ends.</summary>
    public Func<int, HttpContext, Task> Hang() => async (_, context) =>
    {
        var now = Interlocked.Increment(ref hanging);
        MaxHanging = Math.Max(MaxHanging, now);
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The sender timed out and closed the connection.
        }
        finally
        {
            Interlocked.Decrement(ref hanging);
        }
    };

    private async Task HandleAsync(string path, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var headers = new HeaderDictionary();
        foreach (var (key, value) in context.Request.Headers)
        {
            headers[key] = value;
        }

        received.Enqueue(new ReceivedWebhook(path, headers, buffer.ToArray(), DateTimeOffset.UtcNow));
        var number = counts.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (behaviours.TryGetValue(path, out var behaviour))
        {
            await behaviour(number, context);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}
