using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatMesh.Chat.Webhooks;
using ChatMesh.Integration.Delivery;
using ChatMesh.Integration.Endpoints;
using ChatMesh.Integration.Ssrf;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Tests.Ssrf;

/// <summary>
/// Trying webhooks locally (docs/operations.md): a receiver on this machine is refused with a detail that names the
/// option, and with the ranges <c>ChatMesh__Webhooks__AllowLocalReceivers=true</c> sets (AppHost, tested in
/// ChatMesh.AppHost.Tests' LocalWebhookReceiverTests) it gets the signed webhook, through the real resolver and connect.
/// </summary>
public sealed class LocalReceiverTests
{
    /// <summary>What the AppHost sets as <c>Integration__Ssrf__AllowedRanges__0/1</c> under AllowLocalReceivers.</summary>
    private static readonly string[] LocalRanges = ["127.0.0.0/8", "::1/128"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_the_option_a_local_receiver_is_refused_and_the_refusal_names_the_option()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var options = Options.Create(new IntegrationOptions { Ssrf = new SsrfOptions { RequireHttps = false } });
        var validator = new TargetValidator(new TargetPolicy(options.Value.Ssrf), new DnsHostResolver(), options);

        var refusal = await validator.CheckAsync(receiver.Url, Cancel);
        Assert.Equal(IntegrationErrors.TargetNotAllowed, refusal?.Error);
        Assert.Contains("ChatMesh__Webhooks__AllowLocalReceivers=true", refusal!.Detail, StringComparison.Ordinal);
        Assert.Contains("Integration:Ssrf:AllowedRanges", refusal.Detail, StringComparison.Ordinal);

        // An endpoint that was allowed once (the option since turned off) is blocked at connect, with the same hint.
        using var sender = Sender(options);
        var result = await sender.SendAsync(Endpoint(receiver.Url), 7, """{"id":7}"""u8.ToArray(), Cancel);
        Assert.Equal(Attempts.AttemptErrors.SsrfBlocked, result.Error);
        Assert.Contains("ChatMesh__Webhooks__AllowLocalReceivers=true", result.ErrorDetail, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task With_the_option_a_receiver_on_localhost_gets_the_signed_webhook()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var options = Options.Create(new IntegrationOptions { Ssrf = new SsrfOptions { AllowedRanges = LocalRanges, RequireHttps = false } });
        var validator = new TargetValidator(new TargetPolicy(options.Value.Ssrf), new DnsHostResolver(), options);
        Assert.Null(await validator.CheckAsync(receiver.Url, Cancel));

        using var sender = Sender(options);
        var body = """{"id":42,"type":"message.created"}"""u8.ToArray();
        var result = await sender.SendAsync(Endpoint(receiver.Url), 42, body, Cancel);

        Assert.True(result.Success, $"{result.Error}: {result.ErrorDetail}");
        Assert.Equal(204, result.Status);
        var request = Assert.Single(receiver.Received);
        Assert.StartsWith("POST /hook HTTP/1.1", request, StringComparison.Ordinal);
        Assert.Contains($"{StandardWebhooks.IdHeader}: 42", request, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"{StandardWebhooks.SignatureHeader}: v1,", request, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith(Encoding.UTF8.GetString(body), request, StringComparison.Ordinal);
    }

    private static WebhookSender Sender(IOptions<IntegrationOptions> options) =>
        new(new GuardedConnector(new TargetPolicy(options.Value.Ssrf), new DnsHostResolver()), options, TimeProvider.System);

    private static WebhookEndpoint Endpoint(string url) => new(
        EndpointStore.NewId(), "owner", url, null, null, null, true, null, DateTimeOffset.UtcNow, null,
        WebhookSecret.Generate().Encode(), null, null);

    /// <summary>An HTTP/1.1 receiver on 127.0.0.1 that keeps each request's head and body and answers 204.</summary>
    private sealed class LoopbackReceiver : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task? _accepting;

        public List<string> Received { get; } = [];

        /// <summary>By name: <c>localhost</c> goes through the real resolver (127.0.0.1 and ::1), as a developer would write it.</summary>
        public string Url => $"http://localhost:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook";

        public static Task<LoopbackReceiver> StartAsync()
        {
            var receiver = new LoopbackReceiver();
            receiver._listener.Start();
            receiver._accepting = receiver.AcceptAsync();
            return Task.FromResult(receiver);
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    await using var stream = client.GetStream();
                    var request = await ReadRequestAsync(stream);
                    lock (Received)
                    {
                        Received.Add(request);
                    }

                    await stream.WriteAsync("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
            {
                // Stopped.
            }
        }

        private async Task<string> ReadRequestAsync(NetworkStream stream)
        {
            var buffer = new List<byte>();
            var chunk = new byte[4096];
            int? total = null;
            while (total is null || buffer.Count < total)
            {
                var read = await stream.ReadAsync(chunk, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                buffer.AddRange(chunk.AsSpan(0, read));
                var text = Encoding.UTF8.GetString([.. buffer]);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (total is null && end >= 0)
                {
                    var length = text[..end].Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                    total = end + 4 + (length is null ? 0 : int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return Encoding.UTF8.GetString([.. buffer]);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            if (_accepting is not null)
            {
                await _accepting;
            }

            _stop.Dispose();
        }
    }
}
