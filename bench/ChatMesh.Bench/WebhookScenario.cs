using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using ChatMesh.Bench.Targets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.Bench;

/// <summary>
/// K webhook endpoints (each owned by a different member of the room) pointing at a receiver in this process that
/// answers 200 at once: deliveries/s and post → first attempt latency; then the same with endpoint 1 hanging (its
/// requests are never answered) to show the other endpoints are not delayed.
/// </summary>
internal static class WebhookScenario
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        if (options.Endpoints < 2)
        {
            throw new ArgumentException("--endpoints must be at least 2 (one of them hangs in the second run).");
        }

        var report = ScenarioReport.Begin("Webhooks");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var rates = options.RatesFor("webhooks");
        var all = new LatencyRecorder();
        var others = new LatencyRecorder();
        var hang = new StrongBox(false);

        var (receiver, receiverUri) = await StartReceiverAsync(all, others, hang, cancel.Token);
        await using var receiverScope = receiver;
        await using var target = new ChatMeshTarget(builder => ChatMeshTarget.Service(builder, "integration")
            // The receiver is on loopback, which the SSRF rules refuse unless allow-listed; it speaks plain http.
            .WithEnvironment("Integration__Ssrf__AllowedRanges__0", "127.0.0.0/8")
            .WithEnvironment("Integration__Ssrf__RequireHttps", "false"));

        Console.WriteLine($"== Webhooks: receiver on {receiverUri}; starting ChatMesh, signing in {options.Endpoints} members of the room");
        await target.StartAsync(options.Endpoints, cancel.Token);
        await target.App.ResourceNotifications.WaitForResourceHealthyAsync("integration", cancel.Token);
        using var http = StreamingHttp.Create(await target.DirectAddressAsync("integration", cancel.Token));
        for (var i = 0; i < options.Endpoints; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/endpoints")
            {
                Content = JsonContent.Create(new { url = new Uri(receiverUri, $"/hook/{i}").ToString(), description = "bench", eventTypes = new[] { "message.created" }, rooms = new[] { target.Room } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.ReceiverToken(i));
            using var response = await http.SendAsync(request, cancel.Token);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"POST /api/webhooks/endpoints answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancel.Token)}");
            }
        }

        var send = await target.ConnectSenderAsync(cancel.Token);
        Console.WriteLine($"   {options.Endpoints} endpoints answering at once");
        var healthy = await FanOut.MeasureAsync(send, all, options.Endpoints, rates, options, cancel.Token, subset: others);

        Console.WriteLine("   endpoint 0 hangs (never answered); the others answer at once");
        hang.Value = true;
        var hanging = await FanOut.MeasureAsync(send, others, options.Endpoints - 1, rates, options, cancel.Token);

        report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Endpoints} webhook endpoints (one per member of the room, `message.created` only) on a local receiver answering 200 at once, {options.MessageLength}-character messages posted over a WebSocket, {options.StepDuration.TotalSeconds:0} s per step, load generator and receiver in the same machine. Latency: post → the receiver has the request (enqueue to first attempt).");
        report.Body.AppendLine();
        report.Body.AppendLine(CultureInfo.InvariantCulture, $"| run | messages/s | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost | p99 ms of endpoints 1–{options.Endpoints - 1} |");
        report.Body.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var step in healthy)
        {
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"| all {options.Endpoints} endpoints answer | {step.Cells} | {step.SubsetP99:0.0} |");
        }

        foreach (var step in hanging)
        {
            // Only endpoints 1..K-1 answer (and are counted): p99 is theirs.
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"| endpoint 0 hangs (figures: endpoints 1–{options.Endpoints - 1}) | {step.Cells} | {step.P99:0.0} |");
        }

        report.Body.AppendLine();
        report.Body.AppendLine(CultureInfo.InvariantCulture, $"ChatMesh: {await target.DescribeAsync(cancel.Token)}.");
        await report.WriteAsync(options, cancel.Token);
        return 0;
    }

    private sealed class StrongBox(bool value)
    {
        public volatile bool Value = value;
    }

    private static async Task<(WebApplication App, Uri Address)> StartReceiverAsync(LatencyRecorder all, LatencyRecorder others, StrongBox hang, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxConcurrentConnections = null;
        });
        var app = builder.Build();
        app.MapPost("/hook/{index:int}", async (int index, HttpContext context) =>
        {
            if (index == 0 && hang.Value)
            {
                // A hanging endpoint: accepts the request and never answers (until the sender gives up).
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
                return Results.Empty;
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (Payload.TryReadTimestamp(body.GetBuffer().AsSpan(0, (int)body.Length), out var sent))
            {
                all.Record(sent, now);
                if (index != 0)
                {
                    others.Record(sent, now);
                }
            }

            return Results.Ok();
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }
}
