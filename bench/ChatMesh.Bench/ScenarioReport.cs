using System.Globalization;
using System.Text;

namespace ChatMesh.Bench;

/// <summary>
/// One scenario's markdown report: started when the scenario starts (the machine's load average is read then), written
/// (appended to <see cref="BenchOptions.Output"/>) with the load average at its start and end, and labelled
/// "LOADED machine" when the 1-minute load at its start was at least <see cref="LoadAverage.LoadedThreshold"/>.
/// </summary>
internal sealed class ScenarioReport
{
    private readonly string _scenario;
    private readonly LoadAverage _start;

    private ScenarioReport(string scenario, LoadAverage start)
    {
        _scenario = scenario;
        _start = start;
    }

    /// <summary>The report's text: a description line, then tables.</summary>
    public StringBuilder Body { get; } = new();

    public static ScenarioReport Begin(string scenario)
    {
        var report = new ScenarioReport(scenario, LoadAverage.Read());
        Console.WriteLine($"== {scenario}: load average {report._start} (1/5/15 min) at the start{(report._start.IsLoaded ? ": LOADED machine" : "")}");
        return report;
    }

    public async Task WriteAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var end = LoadAverage.Read();
        Console.WriteLine($"== {_scenario}: load average {end} (1/5/15 min) at the end");
        var text = new StringBuilder();
        if (_start.IsLoaded)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"**LOADED machine**: the 1-minute load average was {_start.One:0.00} (≥ {LoadedThreshold}) when the {_scenario} scenario started; its figures are not comparable with a quiet run.");
            text.AppendLine();
        }

        text.Append(Body);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Load average (1 / 5 / 15 min): {_start} at the start, {end} at the end.");
        text.AppendLine();
        await File.AppendAllTextAsync(options.Output, text.ToString(), cancellationToken);
        Console.WriteLine();
        Console.WriteLine(text);
        Console.WriteLine($"Appended to {Path.GetFullPath(options.Output)}");
    }

    private static string LoadedThreshold => LoadAverage.LoadedThreshold.ToString("0.0", CultureInfo.InvariantCulture);
}
