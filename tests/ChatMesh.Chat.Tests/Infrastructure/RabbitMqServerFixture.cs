using System.Diagnostics;
using System.Net.Sockets;

[assembly: AssemblyFixture(typeof(ChatMesh.Chat.Tests.Infrastructure.RabbitMqServerFixture))]

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>
/// A throwaway RabbitMQ node from the Debian package, started directly (the /usr/sbin wrapper switches user) on free
/// loopback ports with all its state in a temp folder, so the tests need neither Docker nor the AppHost.
/// </summary>
public sealed class RabbitMqServerFixture : IAsyncLifetime
{
    private const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string User = "chatmesh";
    private const string Password = "chatmesh-test";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    private readonly string _root = Directory.CreateTempSubdirectory("chatmesh-rabbit-").FullName;
    private readonly int _port = FreePort.Next();
    private readonly int _epmdPort = FreePort.Next();
    private readonly string _nodeName = $"t{Guid.NewGuid():N}"[..12] + "@localhost";
    private Process? _process;

    /// <summary>The AMQP URI to put in <c>ConnectionStrings:messaging</c>.</summary>
    public string ConnectionString => $"amqp://{User}:{Password}@127.0.0.1:{_port}";

    public async ValueTask InitializeAsync()
    {
        var config = Path.Combine(_root, "rabbitmq");
        await File.WriteAllTextAsync(config + ".conf", $"""
            listeners.tcp.1 = 127.0.0.1:{_port}
            loopback_users = none
            default_user = {User}
            default_pass = {Password}
            """);
        var plugins = Path.Combine(_root, "enabled_plugins");
        await File.WriteAllTextAsync(plugins, "[].");

        var start = new ProcessStartInfo(Server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        SetEnvironment(start, _nodeName, config, plugins);
        _process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start.");
        // Drain the output so the node never blocks on a full pipe.
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitForAmqpAsync();
    }

    /// <summary>Runs <c>rabbitmqctl</c> against this node (its cookie is under the node's HOME) and returns its output.</summary>
    public async Task<string> RunCtlAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/lib/rabbitmq/bin/rabbitmqctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["RABBITMQ_NODENAME"] = _nodeName;
        start.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_root, "no-rabbitmq-env.conf");
        start.Environment["HOME"] = _root;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"rabbitmqctl failed: {await error}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        await KillEpmdAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void SetEnvironment(ProcessStartInfo start, string nodeName, string config, string plugins)
    {
        var env = start.Environment;
        env["RABBITMQ_NODENAME"] = nodeName;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["ERL_EPMD_PORT"] = _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(_root, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(_root, "log");
        env["RABBITMQ_CONFIG_FILE"] = config;
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins;
        env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_root, "no-rabbitmq-env.conf");
        env["HOME"] = _root;
    }

    private async Task WaitForAmqpAsync()
    {
        using var deadline = new CancellationTokenSource(BootTimeout);
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_process.ExitCode}; see logs under {_root}.");
            }
            if (await AmqpAnswersAsync(deadline.Token))
            {
                return;
            }
            // Polling a booting server: a short pause between attempts, bounded by the deadline above.
            await Task.Delay(200, deadline.Token);
        }
    }

    private async Task<bool> AmqpAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", _port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\x09\x01"u8.ToArray(), cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var buffer = new byte[8];
            return await stream.ReadAsync(buffer, timeout.Token) > 0;
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    private async Task KillEpmdAsync()
    {
        try
        {
            var kill = new ProcessStartInfo("epmd", "-kill") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            kill.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var process = Process.Start(kill);
            if (process is not null)
            {
                await process.WaitForExitAsync();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
