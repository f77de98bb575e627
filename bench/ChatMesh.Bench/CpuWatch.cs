using System.Diagnostics;
using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>
/// The processes of one ChatMesh run whose CPU each step reports (gateway, Redis, RabbitMQ, the other services, the
/// load generator): CPU time used between <see cref="Start"/> and <see cref="Stop"/>, in % of one core.
/// </summary>
internal sealed class CpuWatch(IReadOnlyList<(string Name, int? Pid)> processes)
{
    private TimeSpan[] _before = [];
    private long _started;

    public IReadOnlyList<(string Name, int? Pid)> Processes => processes;

    public void Start()
    {
        _before = [.. processes.Select(process => Used(process.Pid))];
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>Each process's CPU since <see cref="Start"/>, in % of one core ("–" where the process was not found).</summary>
    public double?[] Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        return [.. processes.Select((process, k) => process.Pid is null ? (double?)null : (Used(process.Pid) - _before[k]) / elapsed * 100)];
    }

    public static string Format(double? percent) => percent is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0} %") : "–";

    /// <summary>"gateway 85 %, redis-server 12 %, …".</summary>
    public string Describe(double?[] percents) => string.Join(", ", processes.Select((process, k) => $"{process.Name} {Format(percents[k])}"));

    private static TimeSpan Used(int? pid)
    {
        try
        {
            return pid is { } id ? ProcessCpu.Used(id) : TimeSpan.Zero;
        }
        catch (IOException)
        {
            return TimeSpan.Zero; // Gone.
        }
    }
}
