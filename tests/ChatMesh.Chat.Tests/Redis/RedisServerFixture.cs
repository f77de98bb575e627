using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(ChatMesh.Chat.Tests.Redis.RedisServerFixture))]

namespace ChatMesh.Chat.Tests.Redis;

/// <summary>
/// One real redis-server for the test assembly, on a free loopback port, with no persistence; tests isolate by
/// unique room and user names. Killed (with its temp dir removed) when the assembly's tests end.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private const string ServerPath = "/usr/bin/redis-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string directory = Directory.CreateTempSubdirectory("chatmesh-redis-").FullName;
    private readonly string[] extraArguments;
    private Process? process;
    private ConnectionMultiplexer? connection;

    public RedisServerFixture()
        : this([])
    {
    }

    /// <summary>A server started with <paramref name="extraArguments"/> too (e.g. <c>--replicaof 127.0.0.1 port</c>).</summary>
    internal RedisServerFixture(string[] extraArguments) => this.extraArguments = extraArguments;

    public int Port { get; private set; }

    public ConnectionMultiplexer Connection => connection ?? throw new InvalidOperationException("redis-server is not started.");

    /// <summary>Sends the server a signal (<c>STOP</c> freezes it with its connections open, <c>CONT</c> resumes it).</summary>
    internal void Signal(string signal)
    {
        var pid = process?.Id ?? throw new InvalidOperationException("redis-server is not started.");
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} exited with {kill.ExitCode}");
        }
    }

    public async ValueTask InitializeAsync()
    {
        Port = FreePort();
        var start = new ProcessStartInfo(ServerPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", directory, .. extraArguments])
        {
            start.ArgumentList.Add(arg);
        }

        process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {ServerPath}");
        // Drain its output so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode} before answering PING.");
            }

            try
            {
                var options = ConfigurationOptions.Parse($"127.0.0.1:{Port}");
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 1000;
                connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException ex)
            {
                last = ex;
                connection?.Dispose();
                connection = null;
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"redis-server on port {Port} did not answer PING within {StartTimeout}.", last);
    }

    public async ValueTask DisposeAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temp dir is harmless.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
