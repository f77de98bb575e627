using System.Globalization;
using Aspire.Hosting;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// One room with WebSocket, SSE and long-poll receivers at once (<c>--receivers</c> split by <c>--split</c>): user
/// <c>i</c> holds WebSocket <c>i</c>, SSE stream <c>i</c> and long-poll queue <c>i</c> as far as each channel's count
/// goes. Every message posted (over a WebSocket) reaches all three channels; one table row per channel per rate.
/// </summary>
internal static class MixedScenario
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("Mixed");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var (webSocketCount, streamCount, pollCount) = options.MixedReceivers();
        var users = Math.Max(webSocketCount, Math.Max(streamCount, pollCount));
        var rates = options.RatesFor("mixed");
        await using var target = new ChatMeshTarget(builder =>
        {
            ChatMeshTarget.Service(builder, "notification");
            ChatMeshTarget.Service(builder, "legacy");
        });

        Console.WriteLine($"== Mixed: starting ChatMesh, signing in {users} members of the room ({webSocketCount} WebSockets, {streamCount} SSE streams, {pollCount} long-polls)");
        await target.StartAsync(users, cancel.Token);
        await target.App.ResourceNotifications.WaitForResourceHealthyAsync("notification", cancel.Token);
        await target.App.ResourceNotifications.WaitForResourceHealthyAsync("legacy", cancel.Token);
        using var sseHttp = StreamingHttp.Create(await target.DirectAddressAsync("notification", cancel.Token));
        using var pollHttp = StreamingHttp.Create(await target.DirectAddressAsync("legacy", cancel.Token));

        var channels = new (string Name, FanOut.Audience Audience)[]
        {
            ("WebSocket", new FanOut.Audience(new LatencyRecorder(), webSocketCount)),
            ("SSE", new FanOut.Audience(new LatencyRecorder(), streamCount)),
            ("long-poll", new FanOut.Audience(new LatencyRecorder(), pollCount)),
        };
        var sockets = new RawSocket[webSocketCount];
        var streams = new SseStream[streamCount];
        var pollers = new LongPoller[pollCount];
        try
        {
            Console.WriteLine("   connecting the receivers");
            await Connections.OpenAsync(sockets, (i, token) => target.ConnectReceiverAsync(i, channels[0].Audience.Recorder, token), cancel.Token);
            await Connections.OpenAsync(streams, (i, token) => SseStream.OpenAsync(sseHttp, target.ReceiverToken(i), channels[1].Audience.Recorder, token), cancel.Token);
            await Connections.OpenAsync(pollers, (i, token) => LongPoller.RegisterAsync(pollHttp, target.ReceiverToken(i), channels[2].Audience.Recorder, token), cancel.Token);

            // Presence signals of every user coming online are on the wire now: let them pass before measuring.
            await Task.Delay(TimeSpan.FromSeconds(3), cancel.Token);
            var send = await target.ConnectSenderAsync(cancel.Token);
            var active = channels.Where(channel => channel.Audience.Recipients > 0).ToArray();
            var cpu = target.CpuWatch();
            var steps = await FanOut.MeasureAsync(send, [.. active.Select(channel => channel.Audience)], rates, options, cancel.Token, cpu);

            report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: one room with {webSocketCount} chatmesh.v1 WebSockets (gateway), {streamCount} SSE streams (`GET /sse`, notification) and {pollCount} held long-polls (legacy) at once, {users} users, {options.MessageLength}-character messages posted over a WebSocket, {options.StepDuration.TotalSeconds:0} s per step, load generator in the same machine. Each message reaches every receiver of every channel; figures per channel.");
            report.Body.AppendLine();
            report.Body.AppendLine("| channel | receivers | messages/s | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost |");
            report.Body.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var step in steps)
            {
                for (var i = 0; i < active.Length; i++)
                {
                    report.Body.AppendLine(CultureInfo.InvariantCulture, $"| ChatMesh ({active[i].Name}) | {active[i].Audience.Recipients} | {step[i].Cells} |");
                }
            }

            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"CPU from the first send to the drain, % of one core ({Environment.ProcessorCount} cores = {Environment.ProcessorCount * 100} %):");
            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"| messages/s | {string.Join(" | ", cpu.Processes.Select(process => process.Name))} |");
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"|---|{string.Concat(cpu.Processes.Select(_ => "---|"))}");
            foreach (var step in steps)
            {
                report.Body.AppendLine(CultureInfo.InvariantCulture, $"| {step[0].Rate} | {string.Join(" | ", step[0].Cpu!.Select(CpuWatch.Format))} |");
            }

            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"SSE streams that ended early: {SseStream.Ended}; `error` events: {SseStream.Errors}; failed polls: {LongPoller.Failures}.");
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"ChatMesh: {await target.DescribeAsync(cancel.Token)}.");
            await report.WriteAsync(options, cancel.Token);
            return 0;
        }
        finally
        {
            await Connections.DisposeAllAsync(sockets);
            await Connections.DisposeAllAsync(streams);
            await Connections.DisposeAllAsync(pollers);
        }
    }
}
