using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>The fan-out steps shared by the SSE, long-poll and webhook scenarios: a warm-up, then one step per rate.</summary>
internal static class FanOut
{
    public sealed record Step(int Rate, long Offered, double Achieved, double P50, double P99, double P999, long Lost, double SubsetP99)
    {
        public string Cells => string.Create(CultureInfo.InvariantCulture,
            $"{Rate} | {Offered:N0} | {Achieved:N0} | {P50:0.0} | {P99:0.0} | {P999:0.0} | {Lost:N0}");
    }

    /// <summary>
    /// Posts at each rate for the step duration (open loop) and waits for the deliveries to drain; every message is
    /// expected <paramref name="recipients"/> times in <paramref name="recorder"/>. <paramref name="subset"/>, when given,
    /// records part of the same deliveries (its p99 is reported next to the whole's).
    /// </summary>
    public static async Task<List<Step>> MeasureAsync(Func<string, CancellationToken, Task> send, LatencyRecorder recorder, int recipients, int[] rates, BenchOptions options, CancellationToken cancellationToken, LatencyRecorder? subset = null)
    {
        recorder.Reset();
        var (warmup, _) = await BenchRunner.RunStepAsync(send, rates[0], TimeSpan.FromSeconds(2), options, cancellationToken);
        await BenchRunner.WaitForDrainAsync(recorder, warmup * recipients, cancellationToken);

        List<Step> steps = [];
        foreach (var rate in rates)
        {
            recorder.Reset();
            subset?.Reset();
            var (sent, sending) = await BenchRunner.RunStepAsync(send, rate, options.StepDuration, options, cancellationToken);
            var expected = sent * recipients;
            var draining = await BenchRunner.WaitForDrainAsync(recorder, expected, cancellationToken);
            var step = new Step(rate, (long)rate * recipients, recorder.Count / (sending + draining).TotalSeconds,
                recorder.Percentile(0.5), recorder.Percentile(0.99), recorder.Percentile(0.999), expected - recorder.Count,
                subset?.Percentile(0.99) ?? double.NaN);
            Console.WriteLine($"   {step.Cells}");
            steps.Add(step);
        }

        return steps;
    }

    public static string Kilobytes(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:0.0} KB");

    public static string Percent(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:0.00} %");
}
