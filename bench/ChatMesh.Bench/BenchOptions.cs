using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>Scenario knobs; the defaults are design.md's reference scenario (1,000 receivers in one room, 64-character messages).</summary>
internal sealed record BenchOptions(int Receivers, int[] Rates, TimeSpan StepDuration, int IdleConnections, int MessageLength, string Output)
{
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(1000, [10, 50, 100], TimeSpan.FromSeconds(10), 1000, 64, "bench-results.md");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options = args[i] switch
            {
                "--receivers" => options with { Receivers = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--rates" => options with { Rates = [.. args[i + 1].Split(',').Select(rate => int.Parse(rate, CultureInfo.InvariantCulture))] },
                "--seconds" => options with { StepDuration = TimeSpan.FromSeconds(double.Parse(args[i + 1], CultureInfo.InvariantCulture)) },
                "--idle" => options with { IdleConnections = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--message-length" => options with { MessageLength = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--output" => options with { Output = args[i + 1] },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        return options;
    }
}
