using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>Healthy once the server at a loopback port answers a protocol greeting (not just accepts TCP).</summary>
internal sealed class TcpProbeHealthCheck(int port, byte[] greeting, string serverName) : IHealthCheck
{
    /// <summary>Redis answers any command, even unauthenticated (with -NOAUTH): proof it is serving.</summary>
    public static readonly byte[] RedisPing = "PING\r\n"u8.ToArray();

    /// <summary>AMQP 0-9-1 protocol header; RabbitMQ answers with Connection.Start once its listener is up.</summary>
    public static readonly byte[] AmqpHeader = "AMQP\0\0\u0009\u0001"u8.ToArray();

    /// <summary>epmd NAMES_REQ (length 1, 'n'); epmd answers with its port and the registered nodes.</summary>
    public static readonly byte[] EpmdNames = [0, 1, (byte)'n'];

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(greeting, timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return read > 0
                ? HealthCheckResult.Healthy($"{serverName} answers on port {port}")
                : HealthCheckResult.Unhealthy($"{serverName} on port {port} closed the connection");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{serverName} is not answering on port {port} yet", ex);
        }
    }
}
