using System.Diagnostics;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(ChatMesh.Chat.Tests.Infrastructure.RedisProcess))]

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>A throwaway, non-persistent redis-server on a free loopback port for the live delivery tests.</summary>
public sealed class RedisProcess : IAsyncLifetime
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(30);
    private readonly int _port = FreePort.Next();
    private Process? _process;

    /// <summary>The StackExchange.Redis configuration to put in <c>ConnectionStrings:redis</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{_port}";

    public async ValueTask InitializeAsync()
    {
        var start = new ProcessStartInfo("/usr/bin/redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(BootTimeout);
        while (true)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",connectTimeout=1000");
                await connection.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (!_process.HasExited)
            {
                await Task.Delay(50, deadline.Token);
            }
        }
    }

    /// <summary>Opens a client connection for the test to write and inspect keys with.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}
