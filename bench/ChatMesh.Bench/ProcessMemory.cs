namespace ChatMesh.Bench;

/// <summary>Reads another process's resident memory from /proc, and finds processes by the marker the AppHost sets.</summary>
internal static class ProcessMemory
{
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS for process {pid}.");
    }

    /// <summary>The pid of the process whose name starts with <paramref name="commPrefix"/> and whose environment has the marker.</summary>
    public static int? Find(string commPrefix, string marker) =>
        Find(commPrefix, directory => File.ReadAllText(Path.Combine(directory, "environ")).Split('\0').Contains(marker));

    /// <summary>
    /// The pids of the processes whose name starts with <paramref name="commPrefix"/> and whose working directory is under
    /// <paramref name="directory"/>: for redis-server, which overwrites its environment block with its process title (a
    /// Sentinel run has a primary and replicas there).
    /// </summary>
    public static IReadOnlyList<int> FindAllUnder(string commPrefix, string directory) =>
        [.. Matching(commPrefix, proc => new DirectoryInfo(Path.Combine(proc, "cwd")).ResolveLinkTarget(returnFinalTarget: true)?.FullName is { } cwd
            && (cwd + "/").StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal))];

    private static int? Find(string commPrefix, Func<string, bool> matches)
    {
        foreach (var pid in Matching(commPrefix, matches))
        {
            return pid;
        }

        return null;
    }

    private static IEnumerable<int> Matching(string commPrefix, Func<string, bool> matches)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var comm = File.ReadAllText(Path.Combine(directory, "comm")).Trim();
                if (!comm.StartsWith(commPrefix, StringComparison.Ordinal) || !matches(directory))
                {
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours.
                continue;
            }

            yield return pid;
        }
    }
}
