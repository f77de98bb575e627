using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ChatMesh.Bench.Targets;

/// <summary>A baseline server run by this same executable in a child process (<c>--signalr-server</c>, <c>--raw-server</c>) on a free port.</summary>
internal sealed class ChildServer : IDisposable
{
    private readonly Process _process;

    private ChildServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts <c>this-executable <paramref name="flag"/> &lt;port&gt;</c> (with <paramref name="environment"/> added to
    /// the bench's own) and waits until the port accepts connections.
    /// </summary>
    public static async Task<ChildServer> StartAsync(string flag, CancellationToken cancellationToken, params (string Name, string Value)[] environment)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(Environment.ProcessPath!, [flag, port.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"The {flag} baseline server did not start.");
        var server = new ChildServer(process, port);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return server;
            }
            catch (SocketException) when (attempt < 200)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
