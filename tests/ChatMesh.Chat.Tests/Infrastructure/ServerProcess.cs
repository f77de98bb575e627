using System.Diagnostics;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>
/// A server a fixture starts (redis-server, redis-sentinel, rabbitmq-server): its output is drained (a full pipe would
/// block it) and the last lines kept, so a server that fails to start says why in the test failure.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 40;
    private readonly Queue<string> _lines = new();

    private ServerProcess(Process process) => Process = process;

    public Process Process { get; }

    public int Id => Process.Id;

    public bool HasExited => Process.HasExited;

    public static ServerProcess Start(ProcessStartInfo start)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, line) => server.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => server.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Its state and last lines of output, for a failure message.</summary>
    public string Describe()
    {
        var state = Process.HasExited ? $"exited with {Process.ExitCode}" : "still running";
        lock (_lines)
        {
            return $"{Path.GetFileName(Process.StartInfo.FileName)} (pid {Process.Id}) {state}; its last output:\n  {string.Join("\n  ", _lines)}";
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }
}

/// <summary>A server that did not come up on its ports (taken meanwhile, it exited, or another server answered there).</summary>
internal sealed class ServerStartException(string message) : Exception(message);

/// <summary>Starts a server again on fresh ports when an attempt fails, and reports every attempt's cause if none works.</summary>
internal static class ServerStart
{
    public const int Attempts = 3;

    public static async Task<T> RetryAsync<T>(string server, Func<int, Task<T>> attempt)
    {
        var failures = new List<string>();
        for (var number = 1; number <= Attempts; number++)
        {
            try
            {
                return await attempt(number);
            }
            catch (ServerStartException ex)
            {
                failures.Add($"attempt {number}: {ex.Message}");
            }
        }

        throw new InvalidOperationException($"{server} did not start in {Attempts} attempts, each on fresh ports:\n{string.Join("\n\n", failures)}");
    }
}
