using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>
/// Fails fast when the open-file limit cannot hold the scenario's sockets. The bench process holds one socket per
/// stream or poll (it connects to each service directly, not through Aspire's endpoint proxy).
/// </summary>
internal static class FileLimits
{
    private const int Headroom = 1024;

    public static string? Check(BenchOptions options)
    {
        var connections = options.SelectedScenarios.Max(scenario => scenario switch
        {
            "sse" => options.Streams,
            "longpoll" => options.Polls,
            "webhooks" => options.Endpoints * 8,
            "rooms" => (options.Rooms * options.Members) + options.Senders,
            _ => options.Receivers,
        });
        var needed = (long)connections + Headroom;
        var limit = SoftOpenFiles();
        return limit is { } soft && soft < needed
            ? $"""
               The open-file limit of this shell is {soft}; {connections:N0} connections need at least {needed:N0}
               (one socket each in the bench process, plus {Headroom} spare).
               Raise it in the shell that runs the bench, then run again, e.g.:
                 ulimit -n 65536 && dotnet run -c Release --project bench/ChatMesh.Bench -- --scenario {options.Scenario}
               (if `ulimit -n 65536` is refused, the hard limit is lower: raise it in /etc/security/limits.conf or the
               container's --ulimit nofile=65536:65536, or run as root).
               """
            : null;
    }

    /// <summary>The soft "Max open files" of this process from /proc/self/limits; null where there is no /proc.</summary>
    public static long? SoftOpenFiles()
    {
        const string path = "/proc/self/limits";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
