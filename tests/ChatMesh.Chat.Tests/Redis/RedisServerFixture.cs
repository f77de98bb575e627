using System.Diagnostics;
using ChatMesh.Chat.Tests.Infrastructure;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(ChatMesh.Chat.Tests.Redis.RedisServerFixture))]

namespace ChatMesh.Chat.Tests.Redis;

/// <summary>
/// One real redis-server for the test assembly, on a free loopback port, with no persistence; tests isolate by
/// unique room and user names. Killed (with its temp dir removed) when the assembly's tests end. A server that lost its
/// port before binding it (it exits; or another server answers there) is started again on a fresh port.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private const string ServerPath = "/usr/bin/redis-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string directory = Directory.CreateTempSubdirectory("chatmesh-redis-").FullName;
    private readonly string[] extraArguments;
    private ServerProcess? process;
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

    public async ValueTask InitializeAsync() =>
        (process, connection, Port) = await ServerStart.RetryAsync(ServerPath, async _ =>
        {
            var port = FreePort.Next();
            var start = new ProcessStartInfo(ServerPath);
            foreach (var arg in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no", "--dir", directory, .. extraArguments])
            {
                start.ArgumentList.Add(arg);
            }

            var server = ServerProcess.Start(start);
            try
            {
                return (server, await ConnectToOwnAsync(server, port), port);
            }
            catch (ServerStartException)
            {
                await server.DisposeAsync();
                throw;
            }
        });

    /// <summary>
    /// Connects once <paramref name="server"/> answers PING on <paramref name="port"/>, and only if the answer is its own
    /// (<c>INFO server</c>'s <c>process_id</c>): a server that lost the port to another one exits, and the other one would answer.
    /// </summary>
    internal static async Task<ConnectionMultiplexer> ConnectToOwnAsync(ServerProcess server, int port, bool sentinel = false)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
            {
                throw new ServerStartException($"port {port}: {server.Describe()}");
            }

            ConnectionMultiplexer? connection = null;
            try
            {
                var options = new ConfigurationOptions { AbortOnConnectFail = true, ConnectTimeout = 1000 };
                options.EndPoints.Add("127.0.0.1", port);
                if (sentinel)
                {
                    // A Sentinel has no database to run INFO on: ask it as a server (an admin command for the client).
                    options.CommandMap = CommandMap.Sentinel;
                    options.AllowAdmin = true;
                }

                connection = await ConnectionMultiplexer.ConnectAsync(options);
                var info = (sentinel
                    ? await connection.GetServer("127.0.0.1", port).InfoRawAsync("server")
                    : (string?)await connection.GetDatabase().ExecuteAsync("INFO", "server")) ?? "";
                var owner = info.Split('\n').FirstOrDefault(line => line.StartsWith("process_id:", StringComparison.Ordinal))?["process_id:".Length..].Trim();
                if (owner != server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    await connection.DisposeAsync();
                    throw new ServerStartException($"port {port} is answered by another server (pid {owner}). {server.Describe()}");
                }

                return connection;
            }
            catch (RedisException ex)
            {
                last = ex;
                connection?.Dispose();
                await Task.Delay(50);
            }
        }

        throw new ServerStartException($"port {port}: no PING answer within {StartTimeout} ({last?.Message}). {server.Describe()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        if (process is not null)
        {
            await process.DisposeAsync();
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temp dir is harmless.
        }
    }

}
