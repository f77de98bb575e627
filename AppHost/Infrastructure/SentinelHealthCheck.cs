using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>
/// Healthy once a failover could happen and leave a replica behind: every Sentinel answers, agrees a quorum is
/// reachable (<c>SENTINEL CKQUORUM</c>), and knows <paramref name="replicas"/> replicas whose link to the primary is
/// up. Until then a primary's death would not be repaired (or would leave no replica to confirm writes), so services wait.
/// </summary>
internal sealed class SentinelHealthCheck(IReadOnlyList<int> sentinelPorts, string serviceName, int replicas, string password) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        foreach (var port in sentinelPorts)
        {
            try
            {
                var quorum = await AskAsync(port, ["SENTINEL", "CKQUORUM", serviceName], timeout.Token);
                if (!quorum.StartsWith("+OK", StringComparison.Ordinal))
                {
                    return HealthCheckResult.Unhealthy($"Sentinel on port {port}: {quorum.Trim()}");
                }

                var known = await AskAsync(port, ["SENTINEL", "REPLICAS", serviceName], timeout.Token);
                var inSync = known.Split("master-link-status\r\n$2\r\nok").Length - 1;
                if (inSync < replicas)
                {
                    return HealthCheckResult.Unhealthy($"Sentinel on port {port} knows {inSync} of {replicas} replicas in sync with the primary");
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"Sentinel is not answering on port {port} yet", ex);
            }
        }

        return HealthCheckResult.Healthy($"{sentinelPorts.Count} Sentinels agree on a quorum and know {replicas} in-sync replicas");
    }

    /// <summary>Authenticates, sends one command, returns its raw RESP reply (enough for the checks above).</summary>
    private async Task<string> AskAsync(int port, string[] command, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encode(["AUTH", password]).Concat(Encode(command)).ToArray(), cancellationToken);
        var received = new List<byte>();
        var buffer = new byte[8192];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"Sentinel on port {port} closed the connection");
            }

            received.AddRange(buffer.AsSpan(0, read));
            var bytes = received.ToArray();
            var auth = End(bytes, 0);
            var reply = auth < 0 ? -1 : End(bytes, auth);
            if (reply >= 0)
            {
                var authReply = Encoding.UTF8.GetString(bytes, 0, auth);
                return authReply.StartsWith("+OK", StringComparison.Ordinal) ? Encoding.UTF8.GetString(bytes, auth, reply - auth) : authReply;
            }
        }
    }

    /// <summary>Where the RESP value starting at <paramref name="at"/> ends, or -1 while it is incomplete.</summary>
    private static int End(byte[] bytes, int at)
    {
        var line = Array.IndexOf(bytes, (byte)'\n', at);
        if (line < 0)
        {
            return -1;
        }

        var header = Encoding.ASCII.GetString(bytes, at + 1, line - at - 2);
        switch ((char)bytes[at])
        {
            case '$':
                var length = int.Parse(header, System.Globalization.CultureInfo.InvariantCulture);
                var end = length < 0 ? line + 1 : line + 1 + length + 2;
                return end <= bytes.Length ? end : -1;
            case '*':
                var count = int.Parse(header, System.Globalization.CultureInfo.InvariantCulture);
                var next = line + 1;
                for (var i = 0; i < count; i++)
                {
                    next = next < bytes.Length ? End(bytes, next) : -1;
                    if (next < 0)
                    {
                        return -1;
                    }
                }

                return next;
            default:
                return line + 1;
        }
    }

    private static byte[] Encode(string[] parts)
    {
        var text = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
