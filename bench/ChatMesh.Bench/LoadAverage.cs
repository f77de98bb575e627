using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>The machine's 1/5/15-minute load average from /proc/loadavg (NaN where there is no /proc).</summary>
internal readonly record struct LoadAverage(double One, double Five, double Fifteen)
{
    /// <summary>A run whose 1-minute load at its start is at least this is labelled "LOADED machine".</summary>
    public const double LoadedThreshold = 1.5;

    public bool IsLoaded => One >= LoadedThreshold;

    public static LoadAverage Read()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return new LoadAverage(Parse(fields[0]), Parse(fields[1]), Parse(fields[2]));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return new LoadAverage(double.NaN, double.NaN, double.NaN);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{One:0.00} / {Five:0.00} / {Fifteen:0.00}");

    private static double Parse(string value) => double.Parse(value, CultureInfo.InvariantCulture);
}
