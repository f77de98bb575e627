using System.Diagnostics;
using System.Globalization;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>Runs the same scenario against each target, side by side, and reports a markdown table.</summary>
internal static class BenchRunner
{
    internal static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("WebSocket");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var rates = options.RatesFor("websocket");
        var signalR = new SignalRTarget();
        var raw = new RawKestrelTarget();
        var chatMesh = new ChatMeshTarget();
        var results = new Dictionary<IChatTarget, List<FanOut.Step>>();
        var notes = "";
        report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Receivers} WebSocket receivers in one room, {options.MessageLength}-character messages, {options.StepDuration.TotalSeconds:0} s per step, load generator in the same machine.");
        report.Body.AppendLine();
        report.Body.AppendLine("| server | messages/s | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost | memory per idle WebSocket |");
        report.Body.AppendLine("|---|---|---|---|---|---|---|---|---|");
        var targets = new Dictionary<string, IChatTarget> { ["signalr"] = signalR, ["raw"] = raw, ["chatmesh"] = chatMesh };
        foreach (var target in options.ServersFor("websocket").Select(server => targets[server]))
        {
            await using (target)
            {
                Console.WriteLine($"== {target.Name}: starting");
                await target.StartAsync(options.Receivers, cancel.Token);
                var (steps, memory) = await MeasureAsync(target, options, rates, cancel.Token);
                results[target] = steps;
                foreach (var step in steps)
                {
                    report.Body.AppendLine(CultureInfo.InvariantCulture, $"| {target.Name} | {step.Cells} | {memory} |");
                }

                if (target == chatMesh)
                {
                    notes = $"ChatMesh: {await chatMesh.DescribeAsync(cancel.Token)}.{CpuNotes(chatMesh.CpuWatch(), steps)}";
                }
            }
        }

        if (notes.Length > 0)
        {
            report.Body.AppendLine();
            report.Body.AppendLine(notes);
        }

        if (results.Count < targets.Count)
        {
            // A partial run (--servers): no ratios to print.
            await report.WriteAsync(options, cancel.Token);
            return 0;
        }

        report.Body.AppendLine();
        report.Body.AppendLine("Ratios, same run (p99: lower is better; deliveries/s achieved: higher is better):");
        report.Body.AppendLine();
        report.Body.AppendLine("| messages/s | p99 ms ChatMesh / SignalR / raw | p99 ChatMesh ÷ SignalR | p99 ChatMesh ÷ raw | achieved ChatMesh / SignalR / raw | achieved ChatMesh ÷ SignalR | achieved ChatMesh ÷ raw |");
        report.Body.AppendLine("|---|---|---|---|---|---|---|");
        for (var i = 0; i < rates.Length; i++)
        {
            var (c, s, r) = (results[chatMesh][i], results[signalR][i], results[raw][i]);
            report.Body.AppendLine(CultureInfo.InvariantCulture,
                $"| {rates[i]} | {c.P99:0.0} / {s.P99:0.0} / {r.P99:0.0} | {c.P99 / s.P99:0.00} | {c.P99 / r.P99:0.00} | {c.Achieved:N0} / {s.Achieved:N0} / {r.Achieved:N0} | {c.Achieved / s.Achieved:0.00} | {c.Achieved / r.Achieved:0.00} |");
        }

        await report.WriteAsync(options, cancel.Token);
        return 0;
    }

    /// <summary>Per step: each process's CPU, and the gateway's CPU µs per delivery (for the capacity model).</summary>
    private static string CpuNotes(CpuWatch watch, List<FanOut.Step> steps) => string.Concat(steps.Where(step => step.Cpu is not null).Select(step =>
        string.Create(CultureInfo.InvariantCulture, $" CPU at {step.Rate} msg/s (% of one core, first send to drain): {watch.Describe(step.Cpu!)}; gateway {step.Cpu![0] * 10_000 / step.Achieved:0.0} µs per delivery.")));

    private static async Task<(List<FanOut.Step> Steps, string Memory)> MeasureAsync(IChatTarget target, BenchOptions options, int[] rates, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var before = ProcessMemory.ResidentBytes(target.ServerProcessId);
        var receivers = new List<RawSocket>(options.Receivers);
        try
        {
            for (var i = 0; i < options.Receivers; i++)
            {
                receivers.Add(await target.ConnectReceiverAsync(i, recorder, cancellationToken));
            }

            // Let the server settle before reading its memory: the connections are idle now.
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var memory = FanOut.Kilobytes((ProcessMemory.ResidentBytes(target.ServerProcessId) - before) / (double)options.Receivers);
            Console.WriteLine($"   {options.Receivers} idle connections: {memory} each (server RSS delta)");

            var send = await target.ConnectSenderAsync(cancellationToken);
            return (await FanOut.MeasureAsync(send, recorder, options.Receivers, rates, options, cancellationToken, cpu: (target as ChatMeshTarget)?.CpuWatch()), memory);
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    /// <summary>Sends at a fixed rate (open loop: late sends are not skipped, so back-pressure shows up as latency).</summary>
    internal static async Task<(long Sent, TimeSpan Elapsed)> RunStepAsync(Func<string, CancellationToken, Task> send, int rate, TimeSpan duration, BenchOptions options, CancellationToken cancellationToken)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(due, cancellationToken);
            }

            await send(Payload.Create(options.MessageLength), cancellationToken);
        }

        return (total, Stopwatch.GetElapsedTime(start));
    }

    internal static async Task<TimeSpan> WaitForDrainAsync(LatencyRecorder recorder, long expected, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var last = -1L;
        var stableSince = Stopwatch.GetTimestamp();
        while (recorder.Count < expected && Stopwatch.GetElapsedTime(stableSince) < DrainTimeout)
        {
            if (recorder.Count != last)
            {
                last = recorder.Count;
                stableSince = Stopwatch.GetTimestamp();
            }

            await Task.Delay(50, cancellationToken);
        }

        return Stopwatch.GetElapsedTime(started);
    }
}
