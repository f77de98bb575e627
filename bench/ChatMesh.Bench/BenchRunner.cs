using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>Runs the same scenario against each target, side by side, and reports a markdown table.</summary>
internal static class BenchRunner
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(BenchOptions options)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Receivers} WebSocket receivers in one room, {options.MessageLength}-character messages, {options.StepDuration.TotalSeconds:0} s per step, load generator in the same machine.");
        report.AppendLine();
        report.AppendLine("| server | messages/s | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost | memory per idle WebSocket |");
        report.AppendLine("|---|---|---|---|---|---|---|---|---|");

        IChatTarget[] targets = [new SignalRTarget(), new ChatMeshTarget()];
        foreach (var target in targets)
        {
            await using (target)
            {
                Console.WriteLine($"== {target.Name}: starting");
                await target.StartAsync(options.Receivers, cancel.Token);
                foreach (var row in await MeasureAsync(target, options, cancel.Token))
                {
                    report.AppendLine(row);
                    Console.WriteLine(row);
                }
            }
        }

        await File.AppendAllTextAsync(options.Output, report.AppendLine().ToString(), cancel.Token);
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"Appended to {Path.GetFullPath(options.Output)}");
        return 0;
    }

    private static async Task<List<string>> MeasureAsync(IChatTarget target, BenchOptions options, CancellationToken cancellationToken)
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
            var perConnection = (ProcessMemory.ResidentBytes(target.ServerProcessId) - before) / (double)options.Receivers;
            var memory = $"{perConnection / 1024:0.0} KB";
            Console.WriteLine($"   {options.Receivers} idle connections: {memory} each (server RSS delta)");

            var send = await target.ConnectSenderAsync(cancellationToken);
            var (warmup, _) = await RunStepAsync(send, options.RatesFor("websocket")[0], TimeSpan.FromSeconds(2), options, cancellationToken);
            await WaitForDrainAsync(recorder, warmup * options.Receivers, cancellationToken);

            List<string> rows = [];
            foreach (var rate in options.RatesFor("websocket"))
            {
                recorder.Reset();
                var (sent, sending) = await RunStepAsync(send, rate, options.StepDuration, options, cancellationToken);
                var expected = sent * options.Receivers;
                var draining = await WaitForDrainAsync(recorder, expected, cancellationToken);
                var achieved = recorder.Count / (sending + draining).TotalSeconds;
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {target.Name} | {rate} | {rate * options.Receivers:N0} | {achieved:N0} | {recorder.Percentile(0.5):0.0} | {recorder.Percentile(0.99):0.0} | {recorder.Percentile(0.999):0.0} | {expected - recorder.Count} | {memory} |"));
            }

            return rows;
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
