namespace ChatMesh.AppHost.Infrastructure;

/// <summary>
/// The folder local-mode servers keep their data in. Each running AppHost locks one slot
/// (<c>slot-0</c>, <c>slot-1</c>, ...), so two AppHosts on one machine never share data, ports or node names,
/// while one AppHost restarted gets its data back.
/// </summary>
public sealed class StateDirectory : IDisposable
{
    private const int MaxSlots = 64;
    private readonly FileStream _lock;

    private StateDirectory(string path, int slot, FileStream slotLock)
    {
        Path = path;
        Slot = slot;
        _lock = slotLock;
    }

    public string Path { get; }

    public int Slot { get; }

    public static string DefaultRoot()
    {
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrWhiteSpace(stateHome))
        {
            stateHome = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return System.IO.Path.Combine(stateHome, "chatmesh");
    }

    public static StateDirectory Acquire(string root)
    {
        Directory.CreateDirectory(root);
        for (var slot = 0; slot < MaxSlots; slot++)
        {
            var path = System.IO.Path.Combine(root, $"slot-{slot}");
            Directory.CreateDirectory(path);
            try
            {
                // An exclusive handle is the lock; the OS drops it when the AppHost dies, however it dies.
                var slotLock = new FileStream(System.IO.Path.Combine(path, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new StateDirectory(path, slot, slotLock);
            }
            catch (IOException)
            {
                // Held by another AppHost: try the next slot.
            }
        }

        throw new InvalidOperationException($"All {MaxSlots} state slots under {root} are in use by other AppHosts.");
    }

    public string Sub(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A random secret created once per slot, so data kept across runs stays readable.</summary>
    public string Secret(string name)
    {
        var file = System.IO.Path.Combine(Path, $"{name}.secret");
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        WritePrivateFile(file, secret);
        return secret;
    }

    /// <summary>Writes a file only its owner can read: it holds passwords.</summary>
    public void WritePrivateFile(string file, string contents)
    {
        File.WriteAllText(file, contents);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public void Dispose() => _lock.Dispose();
}
