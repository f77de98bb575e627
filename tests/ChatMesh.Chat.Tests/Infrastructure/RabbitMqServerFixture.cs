using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

[assembly: AssemblyFixture(typeof(ChatMesh.Chat.Tests.Infrastructure.RabbitMqServerFixture))]

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>
/// A throwaway RabbitMQ node from the Debian package, started directly (the /usr/sbin wrapper switches user) with all its
/// state in a temp folder, so the tests need neither Docker nor the AppHost. Everything that could collide with another
/// node on the machine (another test assembly's, the AppHost's) is its own: node name, AMQP port, Erlang distribution
/// port, epmd port (its own epmd), cookie (HOME). A failed boot (a port taken between its pick and the bind: the node
/// exits with 0 and says why only on stdout) is retried on fresh ports, and its output is in the failure.
/// </summary>
public sealed class RabbitMqServerFixture : IAsyncLifetime
{
    private const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string User = "chatmesh";
    private const string Password = "chatmesh-test";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    private readonly string _root = Directory.CreateTempSubdirectory("chatmesh-rabbit-").FullName;
    private Node? _node;

    /// <summary>The AMQP URI to put in <c>ConnectionStrings:messaging</c>.</summary>
    public string ConnectionString => $"amqp://{User}:{Password}@127.0.0.1:{Started.Port}";

    private Node Started => _node ?? throw new InvalidOperationException("rabbitmq-server is not started.");

    public async ValueTask InitializeAsync() => _node = await ServerStart.RetryAsync("rabbitmq-server", StartNodeAsync);

    /// <summary>Runs <c>rabbitmqctl</c> against this node (its cookie is under the node's HOME) and returns its output.</summary>
    public async Task<string> RunCtlAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/lib/rabbitmq/bin/rabbitmqctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var node = Started;
        SetCommonEnvironment(start, node);
        // The CLI is a distributed Erlang node too: by default every rabbitmqctl on the machine shares 35672–35682.
        var ctlPort = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["RABBITMQ_CTL_DIST_PORT_MIN"] = ctlPort;
        start.Environment["RABBITMQ_CTL_DIST_PORT_MAX"] = ctlPort;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"rabbitmqctl failed: {await error}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            await StopAsync(_node);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<Node> StartNodeAsync(int attempt)
    {
        var node = new Node(Path.Combine(_root, $"attempt-{attempt}"), $"t{Guid.NewGuid():N}"[..12] + "@localhost",
            FreePort.Next(), FreePort.Next(), FreePort.Next());
        Directory.CreateDirectory(node.Directory);
        await File.WriteAllTextAsync(node.Config + ".conf", $"""
            listeners.tcp.1 = 127.0.0.1:{node.Port}
            loopback_users = none
            default_user = {User}
            default_pass = {Password}
            """);
        await File.WriteAllTextAsync(node.Plugins, "[].");

        var start = new ProcessStartInfo(Server) { WorkingDirectory = node.Directory };
        SetCommonEnvironment(start, node);
        var env = start.Environment;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = node.Port.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = node.DistPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(node.Directory, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(node.Directory, "log");
        env["RABBITMQ_CONFIG_FILE"] = node.Config;
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = node.Plugins;
        // A failed boot's crash dump stays in the node's folder, not in the test's working directory.
        env["ERL_CRASH_DUMP"] = Path.Combine(node.Directory, "erl_crash.dump");
        node.Process = ServerProcess.Start(start);
        try
        {
            await WaitForAmqpAsync(node);
            return node;
        }
        catch (ServerStartException)
        {
            await StopAsync(node);
            throw;
        }
    }

    /// <summary>What both the server and rabbitmqctl need to find each other and nobody else: node name, epmd, cookie.</summary>
    private static void SetCommonEnvironment(ProcessStartInfo start, Node node)
    {
        var env = start.Environment;
        env["RABBITMQ_NODENAME"] = node.Name;
        env["ERL_EPMD_PORT"] = node.EpmdPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(node.Directory, "no-rabbitmq-env.conf");
        env["HOME"] = node.Directory;
    }

    /// <summary>Up when our node's log says it listens on its port and that port answers AMQP (not some other server that took it).</summary>
    private static async Task WaitForAmqpAsync(Node node)
    {
        using var deadline = new CancellationTokenSource(BootTimeout);
        var listening = $"started TCP listener on 127.0.0.1:{node.Port}";
        try
        {
            while (true)
            {
                if (node.Process!.HasExited)
                {
                    throw new ServerStartException(Describe(node, "the node exited during boot"));
                }

                if (LogSays(node, listening) && await AmqpAnswersAsync(node.Port, deadline.Token))
                {
                    return;
                }

                // Polling a booting server: a short pause between attempts, bounded by the deadline above.
                await Task.Delay(200, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new ServerStartException(Describe(node, $"no AMQP answer within {BootTimeout}"));
        }
    }

    private static bool LogSays(Node node, string text)
    {
        try
        {
            using var log = new FileStream(node.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(log).ReadToEnd().Contains(text, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>True when the port answers the AMQP 0-9-1 header with a method frame on channel 0 (Connection.Start).</summary>
    private static async Task<bool> AmqpAnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\x09\x01"u8.ToArray(), cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var frame = new byte[3];
            await stream.ReadExactlyAsync(frame, timeout.Token);
            return frame is [1, 0, 0];
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    private static string Describe(Node node, string what)
    {
        string log;
        try
        {
            log = string.Join("\n  ", File.ReadLines(node.LogFile).TakeLast(15));
        }
        catch (IOException)
        {
            log = "(no log file: the node stopped before its logging started; the output above says why)";
        }

        return $"{what} (node {node.Name}, AMQP {node.Port}, dist {node.DistPort}, epmd {node.EpmdPort}). {node.Process!.Describe()}\n" +
            $"{node.LogFile}:\n  {log}";
    }

    private static async Task StopAsync(Node node)
    {
        if (node.Process is not null)
        {
            await node.Process.DisposeAsync();
        }

        await KillEpmdAsync(node.EpmdPort);
    }

    /// <summary>The node started its own epmd daemon on its port (not a child process): stop it too.</summary>
    private static async Task KillEpmdAsync(int port)
    {
        try
        {
            var kill = new ProcessStartInfo("epmd", "-kill") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            kill.Environment["ERL_EPMD_PORT"] = port.ToString(CultureInfo.InvariantCulture);
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

    /// <summary>One boot attempt: its folder, unique node name and ports.</summary>
    private sealed record Node(string Directory, string Name, int Port, int DistPort, int EpmdPort)
    {
        public string Config => Path.Combine(Directory, "rabbitmq");

        public string Plugins => Path.Combine(Directory, "enabled_plugins");

        public string LogFile => Path.Combine(Directory, "log", Name + ".log");

        public ServerProcess? Process { get; set; }
    }
}
