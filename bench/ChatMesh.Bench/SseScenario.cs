using System.Globalization;
using Aspire.Hosting;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// N concurrent <c>GET /sse</c> streams on the notification service, spread over enough members of one room: memory
/// per stream, idle CPU with every stream open, then delivery latency under fan-out (messages posted over a WebSocket).
/// </summary>
internal static class SseScenario
{
    private const int DefaultStreamsPerUser = 10;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("SSE");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var users = (options.Streams + options.PerUser - 1) / options.PerUser;
        var rates = options.RatesFor("sse");
        Console.WriteLine($"== SSE: starting ChatMesh, signing in {users} members of the room");
        await using var service = await ServiceUnderTest.StartAsync("notification", "ChatMesh.Notifi", users, notification =>
        {
            if (options.PerUser > DefaultStreamsPerUser)
            {
                notification.WithEnvironment("Notification__MaxStreamsPerUser", options.PerUser.ToString(CultureInfo.InvariantCulture));
            }
        }, cancel.Token);
        var target = service.Target;

        var recorder = new LatencyRecorder();
        var streams = new SseStream[options.Streams];
        try
        {
            Console.WriteLine($"   opening {options.Streams} streams ({options.PerUser} per user)");
            var (memory, idle) = await service.OpenIdleAsync(streams, (i, token) => SseStream.OpenAsync(service.Http, target.ReceiverToken(i / options.PerUser), recorder, token), options.IdleWindow, cancel.Token);
            Console.WriteLine($"   {options.Streams} open streams: {FanOut.Kilobytes(memory)} each (RSS delta), idle CPU {FanOut.Percent(idle)} of one core over {options.IdleWindow.TotalSeconds:0} s; {SseStream.Ended} ended");

            var send = await target.ConnectSenderAsync(cancel.Token);
            var steps = await FanOut.MeasureAsync(send, recorder, options.Streams, rates, options, cancel.Token);

            report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Streams} SSE streams (`GET /sse`, {options.PerUser} per user, {users} users) in one room, {options.MessageLength}-character messages posted over a WebSocket, {options.StepDuration.TotalSeconds:0} s per step, idle CPU over {options.IdleWindow.TotalSeconds:0} s, load generator in the same machine.");
            report.Body.AppendLine();
            report.Body.AppendLine("| server | messages/s | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost | memory per stream | idle CPU (one core) |");
            report.Body.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var step in steps)
            {
                report.Body.AppendLine(CultureInfo.InvariantCulture, $"| ChatMesh (SSE) | {step.Cells} | {FanOut.Kilobytes(memory)} | {FanOut.Percent(idle)} |");
            }

            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"Streams that ended early: {SseStream.Ended}; `error` events: {SseStream.Errors}.");
            await report.WriteAsync(options, cancel.Token);
            return 0;
        }
        finally
        {
            await Connections.DisposeAllAsync(streams);
        }
    }
}
