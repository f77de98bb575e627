using System.Globalization;
using System.Text;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// The held-connection scenarios' run (SSE, long-poll), the same for every server of <see cref="BenchOptions.ServersFor"/>:
/// open N connections, read the server's memory growth per connection and its idle CPU, then the fan-out steps; and
/// the report's tables, with the ratios of ChatMesh to the raw Kestrel floor when both ran.
/// </summary>
internal static class HeldScenario
{
    public sealed record Result(string Server, string Name, List<FanOut.Step> Steps, double MemoryPerConnection, double IdleCpuPercent, double SettledIdleCpuPercent, string Notes);

    /// <summary>How long after the steps' drain the settled idle window starts (the last answers and re-polls land first).</summary>
    private static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A bound on how long after the last message the steps' drain ends: every delivery arrived (a second or two here), or
    /// none did for <see cref="BenchRunner.DrainTimeout"/>; the settled window's answer count shows when it was exceeded.
    /// </summary>
    private static readonly TimeSpan LongestDrain = BenchRunner.DrainTimeout;

    /// <summary>
    /// For each server: <paramref name="start"/> it, <paramref name="open"/> <paramref name="count"/> connections and
    /// measure. <paramref name="idleNote"/> and <paramref name="endNote"/> give the scenario's counters at the end of
    /// the idle window and of the steps (printed, and kept as the server's notes). <paramref name="firstTimeout"/>: how
    /// long after it was opened a connection is first answered without traffic (a long-poll's heartbeat), so the idle
    /// window ends before the first of them (see <see cref="OpenIdleAsync"/>). After the steps the idle CPU is read again
    /// (<see cref="SettledIdleAsync"/>), once the service has run the traffic's code; <paramref name="answered"/>, when
    /// given, counts the answers the connections received, so the report can say whether that window held any.
    /// </summary>
    public static async Task<List<Result>> RunAsync<T>(BenchOptions options, string scenario, int count,
        Func<string, CancellationToken, Task<IHeldServer>> start, Func<IHeldServer, int, LatencyRecorder, CancellationToken, Task<T>> open,
        Func<string> idleNote, Func<string> endNote, CancellationToken cancellationToken, TimeSpan? firstTimeout = null, Func<long>? answered = null)
        where T : class, IAsyncDisposable
    {
        var results = new List<Result>();
        foreach (var key in options.ServersFor(scenario))
        {
            await using var server = await start(key, cancellationToken);
            var recorder = new LatencyRecorder();
            var connections = new T[count];
            try
            {
                Console.WriteLine($"   opening {count} connections");
                var (memory, idle, window) = await OpenIdleAsync(server.ProcessId, connections, (i, token) => open(server, i, recorder, token), options.IdleWindow, firstTimeout, cancellationToken);
                var idleNotes = $"idle window {window.TotalSeconds:0.0} s; {idleNote()}";
                Console.WriteLine($"   {count} open: {FanOut.Kilobytes(memory)} each (RSS delta), idle CPU {FanOut.Percent(idle)} of one core over {window.TotalSeconds:0.0} s; {idleNotes}");
                var send = await server.ConnectSenderAsync(cancellationToken);
                var steps = await FanOut.MeasureAsync(send, recorder, count, options.RatesFor(scenario), options, cancellationToken);
                var answersBefore = answered?.Invoke() ?? 0;
                var (settled, settledWindow) = await SettledIdleAsync(server.ProcessId, options.IdleWindow, firstTimeout, cancellationToken);
                var settledNotes = $"settled idle window {settledWindow.TotalSeconds:0.0} s after the steps{(answered is null ? "" : $", {answered() - answersBefore} answered in it")}";
                Console.WriteLine($"   after the steps: idle CPU {FanOut.Percent(settled)} of one core; {settledNotes}");
                var described = await server.DescribeAsync(cancellationToken);
                var notes = $"{idleNotes}; {settledNotes}; {endNote()}";
                results.Add(new Result(key, server.Name, steps, memory, idle, settled, described.Length == 0 ? notes : $"{notes}; {described}"));
            }
            finally
            {
                await Connections.DisposeAllAsync(connections);
            }
        }

        return results;
    }

    /// <summary>
    /// Opens every connection into <paramref name="into"/>, then reads the process's RSS growth per connection (from
    /// before the first to 5 s after the last) and its CPU over <paramref name="idleWindow"/> with all of them idle. With
    /// <paramref name="firstTimeout"/> the window is cut short (to no less than 3 s) so that it ends before the first
    /// connection's first timeout: an opening of 10,000 polls takes 17–28 s here, and a 10 s window after it used to
    /// take in the first round of heartbeat answers and re-polls (thousands of full poll cycles, and their first JIT),
    /// which is traffic, not idle. The steady heartbeat cost is a per-cycle cost times polls ÷ timeout, from the steps.
    /// </summary>
    private static async Task<(double MemoryPerConnection, double IdleCpuPercent, TimeSpan Window)> OpenIdleAsync<T>(int processId, T[] into, Func<int, CancellationToken, Task<T>> open, TimeSpan idleWindow, TimeSpan? firstTimeout, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var before = ProcessMemory.ResidentBytes(processId);
        var opening = System.Diagnostics.Stopwatch.GetTimestamp();
        await Connections.OpenAsync(into, open, cancellationToken);

        // Presence signals of every user coming online are on the wire now: let them pass before measuring.
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var memory = (ProcessMemory.ResidentBytes(processId) - before) / (double)into.Length;
        var window = idleWindow;
        if (firstTimeout is { } timeout)
        {
            var left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(opening) - TimeSpan.FromSeconds(1);
            window = TimeSpan.FromTicks(Math.Min(idleWindow.Ticks, Math.Max(left.Ticks, TimeSpan.FromSeconds(3).Ticks)));
        }

        return (memory, await ProcessCpu.IdlePercentAsync(processId, window, cancellationToken), window);
    }

    /// <summary>
    /// The process's CPU with every connection idle again after the steps: the idle window after the opening is the first
    /// time the service runs the poll or stream path, and its tiered JIT recompiles that code in the background for tens
    /// of seconds (measured in session 15: 0.1–0.25 s of JIT compilation in single seconds of that window, legacy at
    /// 10,000 polls), which is warm-up, not idle cost. This window starts <see cref="SettleDelay"/> after the last
    /// step's drain; with <paramref name="firstTimeout"/> it is cut (to no less than 3 s) so that it ends before the
    /// heartbeat answers of the polls re-held after the last message (at least the timeout after it, and the drain that
    /// followed that message took at most about <see cref="LongestDrain"/>).
    /// </summary>
    private static async Task<(double IdleCpuPercent, TimeSpan Window)> SettledIdleAsync(int processId, TimeSpan idleWindow, TimeSpan? firstTimeout, CancellationToken cancellationToken)
    {
        await Task.Delay(SettleDelay, cancellationToken);
        var window = idleWindow;
        if (firstTimeout is { } timeout)
        {
            var left = timeout - LongestDrain - SettleDelay - TimeSpan.FromSeconds(1);
            window = TimeSpan.FromTicks(Math.Min(idleWindow.Ticks, Math.Max(left.Ticks, TimeSpan.FromSeconds(3).Ticks)));
        }

        return (await ProcessCpu.IdlePercentAsync(processId, window, cancellationToken), window);
    }

    /// <summary>The servers' rows, each server's notes, and (when ChatMesh and raw both ran) the ratio tables.</summary>
    public static void AppendTables(StringBuilder body, IReadOnlyList<Result> results, string perConnection)
    {
        body.AppendLine(CultureInfo.InvariantCulture, $"| server | messages/s | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost | {perConnection} | idle CPU (one core) | idle CPU after the steps |");
        body.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var result in results)
        {
            foreach (var step in result.Steps)
            {
                body.AppendLine(CultureInfo.InvariantCulture, $"| {result.Name} | {step.Cells} | {FanOut.Kilobytes(result.MemoryPerConnection)} | {FanOut.Percent(result.IdleCpuPercent)} | {FanOut.Percent(result.SettledIdleCpuPercent)} |");
            }
        }

        body.AppendLine();
        foreach (var result in results)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"{result.Name}: {result.Notes}.");
        }

        if (results.FirstOrDefault(result => result.Server == "chatmesh") is not { } chatMesh || results.FirstOrDefault(result => result.Server == "raw") is not { } raw)
        {
            return;
        }

        body.AppendLine();
        body.AppendLine("Ratios, same run (ChatMesh ÷ raw Kestrel; p99, memory and idle CPU: lower is better; deliveries/s achieved: higher is better):");
        body.AppendLine();
        body.AppendLine("| messages/s | p99 ms ChatMesh / raw | p99 ChatMesh ÷ raw | achieved ChatMesh / raw | achieved ChatMesh ÷ raw |");
        body.AppendLine("|---|---|---|---|---|");
        foreach (var (c, r) in chatMesh.Steps.Zip(raw.Steps))
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"| {c.Rate} | {AtLeast(c.P99)}{c.P99:0.0} / {AtLeast(r.P99)}{r.P99:0.0} | {AtLeast(c.P99)}{Ratio(c.P99, r.P99)} | {c.Achieved:N0} / {r.Achieved:N0} | {Ratio(c.Achieved, r.Achieved)} |");
        }

        body.AppendLine();
        body.AppendLine("| measure | ChatMesh | raw Kestrel | ChatMesh ÷ raw |");
        body.AppendLine("|---|---|---|---|");
        body.AppendLine(CultureInfo.InvariantCulture, $"| {perConnection} | {FanOut.Kilobytes(chatMesh.MemoryPerConnection)} | {FanOut.Kilobytes(raw.MemoryPerConnection)} | {Ratio(chatMesh.MemoryPerConnection, raw.MemoryPerConnection)} |");
        body.AppendLine(CultureInfo.InvariantCulture, $"| idle CPU (one core) | {FanOut.Percent(chatMesh.IdleCpuPercent)} | {FanOut.Percent(raw.IdleCpuPercent)} | {Ratio(chatMesh.IdleCpuPercent, raw.IdleCpuPercent)} |");
        body.AppendLine(CultureInfo.InvariantCulture, $"| idle CPU after the steps | {FanOut.Percent(chatMesh.SettledIdleCpuPercent)} | {FanOut.Percent(raw.SettledIdleCpuPercent)} | {Ratio(chatMesh.SettledIdleCpuPercent, raw.SettledIdleCpuPercent)} |");
    }

    /// <summary><paramref name="chatMesh"/> ÷ <paramref name="raw"/>, or a dash where the floor measured nothing (e.g. 0 % idle CPU).</summary>
    private static string Ratio(double chatMesh, double raw) =>
        raw > 0 && double.IsFinite(chatMesh) ? (chatMesh / raw).ToString("0.00", CultureInfo.InvariantCulture) : "–";

    /// <summary>"≥ " for a latency at the recorder's ceiling (above 2 s: the overflow bucket), whose ratio is a lower bound.</summary>
    private static string AtLeast(double milliseconds) => milliseconds > LatencyRecorder.CeilingMilliseconds ? "≥ " : "";
}
