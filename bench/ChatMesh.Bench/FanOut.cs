using System.Diagnostics;
using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>The fan-out steps shared by every scenario: a warm-up, then one step per rate.</summary>
internal static class FanOut
{
    public sealed record Step(int Rate, long Offered, double Achieved, double P50, double P99, double P999, long Lost, double SubsetP99)
    {
        /// <summary>Each watched process's CPU from the step's first send to its drain, % of one core (null without a watch).</summary>
        public double?[]? Cpu { get; init; }

        public string Cells => string.Create(CultureInfo.InvariantCulture,
            $"{Rate} | {Offered:N0} | {Achieved:N0} | {P50:0.0} | {P99:0.0} | {P999:0.0} | {Lost:N0}");
    }

    /// <summary>
    /// Receivers of one kind: every message is expected <see cref="Recipients"/> times in <see cref="Recorder"/>.
    /// An audience of 0 recipients is recorded alongside the others and never waited for (a subset of another's deliveries).
    /// </summary>
    public sealed record Audience(LatencyRecorder Recorder, int Recipients);

    /// <summary>
    /// Posts at each rate for the step duration (open loop) and waits for the deliveries to drain; every message is
    /// expected <paramref name="recipients"/> times in <paramref name="recorder"/>. <paramref name="subset"/>, when given,
    /// records part of the same deliveries (its p99 is reported next to the whole's).
    /// </summary>
    public static async Task<List<Step>> MeasureAsync(Func<string, CancellationToken, Task> send, LatencyRecorder recorder, int recipients, int[] rates, BenchOptions options, CancellationToken cancellationToken, LatencyRecorder? subset = null, CpuWatch? cpu = null)
    {
        Audience[] audiences = subset is null ? [new(recorder, recipients)] : [new(recorder, recipients), new(subset, 0)];
        var steps = await MeasureAsync(send, audiences, rates, options, cancellationToken, cpu);
        return [.. steps.Select(step => subset is null ? step[0] : step[0] with { SubsetP99 = step[1].P99 })];
    }

    /// <summary>
    /// Posts at each rate for the step duration (open loop) and waits until every audience has drained; one
    /// <see cref="Step"/> per audience per rate, each audience's deliveries/s over the step and its own drain.
    /// </summary>
    public static async Task<List<Step[]>> MeasureAsync(Func<string, CancellationToken, Task> send, IReadOnlyList<Audience> audiences, int[] rates, BenchOptions options, CancellationToken cancellationToken, CpuWatch? cpu = null)
    {
        Reset(audiences);
        var (warmup, _) = await BenchRunner.RunStepAsync(send, rates[0], options.Warmup, options, cancellationToken);
        foreach (var audience in audiences)
        {
            await BenchRunner.WaitForDrainAsync(audience.Recorder, warmup * audience.Recipients, cancellationToken);
        }

        List<Step[]> steps = [];
        foreach (var rate in rates)
        {
            Reset(audiences);
            cpu?.Start();
            var (sent, sending) = await BenchRunner.RunStepAsync(send, rate, options.StepDuration, options, cancellationToken);
            var sendingEnded = Stopwatch.GetTimestamp();
            var step = new Step[audiences.Count];
            for (var i = 0; i < audiences.Count; i++)
            {
                var (recorder, recipients) = audiences[i];
                var expected = sent * recipients;
                await BenchRunner.WaitForDrainAsync(recorder, expected, cancellationToken);
                var elapsed = sending + (recipients == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(sendingEnded));
                step[i] = new Step(rate, (long)rate * recipients, recorder.Count / elapsed.TotalSeconds,
                    recorder.Percentile(0.5), recorder.Percentile(0.99), recorder.Percentile(0.999), expected - recorder.Count, double.NaN);
                if (recipients > 0)
                {
                    Console.WriteLine($"   {step[i].Cells}");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"      first delivery of each message p50 {recorder.FirstDeliveryPercentile(0.5):0.0} ms, p99 {recorder.FirstDeliveryPercentile(0.99):0.0} ms; worst ms per second sent: {recorder.Timeline((int)Math.Ceiling(sending.TotalSeconds))}"));
                }
            }

            if (cpu is not null)
            {
                var used = cpu.Stop();
                step = [.. step.Select(audienceStep => audienceStep with { Cpu = used })];
                Console.WriteLine($"      CPU from the first send to the drain (% of one core): {cpu.Describe(used)}");
            }

            steps.Add(step);
        }

        return steps;
    }

    private static void Reset(IReadOnlyList<Audience> audiences)
    {
        foreach (var audience in audiences)
        {
            audience.Recorder.Reset();
        }
    }

    public static string Kilobytes(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:0.0} KB");

    public static string Percent(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:0.00} %");
}
