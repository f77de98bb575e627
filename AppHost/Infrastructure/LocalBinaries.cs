namespace ChatMesh.AppHost.Infrastructure;

/// <summary>A server binary that local mode needs is not installed.</summary>
public sealed class MissingBinaryException(string binary, string package, string searched)
    : Exception($"Local infrastructure mode needs '{binary}', which was not found ({searched}). " +
                $"Install it with: sudo apt-get install -y {package} " +
                "(or run ./chatmesh run, which installs it), or point ChatMesh at existing servers with " +
                "ConnectionStrings__redis and ConnectionStrings__messaging.")
{
    public string Binary { get; } = binary;

    public string Package { get; } = package;
}

/// <summary>Finds the Redis and RabbitMQ server binaries that local mode starts.</summary>
public static class LocalBinaries
{
    /// <summary>Debian's RabbitMQ start script; the /usr/sbin wrapper switches user and cannot use our folders.</summary>
    public const string DefaultRabbitMQServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    public static string ResolveRedisServer(string? configured, string? pathVariable = null)
    {
        var candidate = string.IsNullOrWhiteSpace(configured) ? "redis-server" : configured;
        return Resolve(candidate, pathVariable) ?? throw new MissingBinaryException(candidate, "redis-server", Describe(candidate));
    }

    /// <summary>Debian's <c>redis-sentinel</c> (package redis-sentinel): the Sentinel of the Sentinel topology.</summary>
    public static string ResolveRedisSentinel(string? configured, string? pathVariable = null)
    {
        var candidate = string.IsNullOrWhiteSpace(configured) ? "redis-sentinel" : configured;
        return Resolve(candidate, pathVariable) ?? throw new MissingBinaryException(candidate, "redis-sentinel", Describe(candidate));
    }

    public static string ResolveRabbitMQServer(string? configured, string? pathVariable = null)
    {
        var candidate = string.IsNullOrWhiteSpace(configured) ? DefaultRabbitMQServer : configured;
        return Resolve(candidate, pathVariable) ?? throw new MissingBinaryException(candidate, "rabbitmq-server", Describe(candidate));
    }

    public static string? FindOnPath(string name, string? pathVariable = null)
    {
        var path = pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(IsExecutableFile);
    }

    private static string? Resolve(string candidate, string? pathVariable) =>
        candidate.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? (IsExecutableFile(candidate) ? Path.GetFullPath(candidate) : null)
            : FindOnPath(candidate, pathVariable);

    private static string Describe(string candidate) =>
        candidate.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) ? $"no executable file at {candidate}" : "searched PATH";

    private static bool IsExecutableFile(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows()
            || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
