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
    public static int? Find(string commPrefix, string marker)
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
                if (comm.StartsWith(commPrefix, StringComparison.Ordinal)
                    && File.ReadAllText(Path.Combine(directory, "environ")).Split('\0').Contains(marker))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours.
            }
        }

        return null;
    }
}
