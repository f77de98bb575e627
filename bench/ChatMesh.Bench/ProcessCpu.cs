using System.Diagnostics;
using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>Another process's CPU time from /proc/&lt;pid&gt;/stat (utime + stime).</summary>
internal static class ProcessCpu
{
    /// <summary>Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every mainstream Linux build).</summary>
    private const double TicksPerSecond = 100;

    public static TimeSpan Used(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The process's CPU use over <paramref name="window"/> as a percentage of one core.</summary>
    public static async Task<double> IdlePercentAsync(int pid, TimeSpan window, CancellationToken cancellationToken)
    {
        var before = Used(pid);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(window, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (Used(pid) - before) / elapsed * 100;
    }
}
