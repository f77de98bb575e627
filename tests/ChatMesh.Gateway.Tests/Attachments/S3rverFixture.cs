using System.Diagnostics;
using System.Net.Sockets;
using ChatMesh.Chat.Tests.Infrastructure;

namespace ChatMesh.Gateway.Tests.Attachments;

/// <summary>
/// A real S3-compatible server for the <see cref="Chat.Attachments.S3AttachmentStore"/> tests: s3rver (Node.js), installed
/// by npm into <c>$XDG_CACHE_HOME/chatmesh/tools/s3rver-{version}</c> on first use (<c>./chatmesh test</c> installs it
/// before the run; <c>CHATMESH_S3RVER</c> names another executable), started on a free loopback port with a fresh data
/// folder and one bucket, and killed (its folder removed) when the tests end.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Version = "3.7.1";
    public const string Bucket = "chatmesh-test";

    /// <summary>
    /// s3rver's fixed credentials. Another access key is refused (403 <c>InvalidAccessKeyId</c>); s3rver 3.7.1 does not
    /// compute SigV4 signatures, so it takes any secret with this key (a wrong secret cannot be tested against it).
    /// </summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string directory = Directory.CreateTempSubdirectory("chatmesh-s3rver-").FullName;
    private ServerProcess? process;

    public int Port { get; private set; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>The connection string of <c>ConnectionStrings:attachments</c> for this server, with other credentials if given.</summary>
    public string ConnectionString(string accessKey = AccessKey, string prefix = "") =>
        $"Endpoint={Endpoint};Bucket={Bucket};AccessKey={accessKey};SecretKey={SecretKey};Prefix={prefix};ForcePathStyle=true";

    public async ValueTask InitializeAsync()
    {
        var executable = await InstallAsync();
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        Port = FreePort.Next();
        process = ServerProcess.Start(new ProcessStartInfo(executable)
        {
            ArgumentList = { "-d", Path.Combine(directory, "data"), "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-s",
                "--configure-bucket", Bucket },
            // s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which Node 17+ (OpenSSL 3) has only in
            // its legacy provider: without it every truncated listing is a 500 InternalError (the backfill pages).
            Environment = { ["NODE_OPTIONS"] = "--openssl-legacy-provider" },
        });
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AcceptsAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"s3rver did not start on port {Port}: {process.Describe()}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        Directory.Delete(directory, recursive: true);
    }

    /// <summary>The s3rver executable: <c>CHATMESH_S3RVER</c>, or the cached install, installed by npm when missing.</summary>
    private static async Task<string> InstallAsync()
    {
        if (Environment.GetEnvironmentVariable("CHATMESH_S3RVER") is { Length: > 0 } given)
        {
            return given;
        }

        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var prefix = Path.Combine(cache, "chatmesh", "tools", "s3rver-" + Version);
        var executable = Path.Combine(prefix, "node_modules", ".bin", "s3rver");
        if (File.Exists(executable))
        {
            return executable;
        }

        Directory.CreateDirectory(prefix);
        using var npm = Process.Start(new ProcessStartInfo("npm")
        {
            ArgumentList = { "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", prefix, "s3rver@" + Version },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("npm did not start; install Node.js 20 and npm (apt-get install nodejs npm).");
        var output = npm.StandardOutput.ReadToEndAsync();
        var errors = npm.StandardError.ReadToEndAsync();
        await npm.WaitForExitAsync();
        if (npm.ExitCode != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException($"npm install s3rver@{Version} failed ({npm.ExitCode}): {await output} {await errors}");
        }

        return executable;
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
