using System.Net;
using System.Net.Sockets;
using ChatMesh.Integration.Ssrf;

namespace ChatMesh.Integration.Tests.Ssrf;

/// <summary>The connect-time check: what registration accepted can still not reach inside the network (DNS rebinding).</summary>
public sealed class GuardedConnectorTests
{
    private sealed class Rebinding : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Task.FromResult(new[] { IPAddress.Loopback });
    }

    [Fact]
    public async Task A_host_that_now_resolves_to_loopback_is_blocked_at_connect()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connector = new GuardedConnector(new TargetPolicy(new SsrfOptions()), new Rebinding());
        using var handler = new SocketsHttpHandler { ConnectCallback = connector.ConnectAsync, UseProxy = false };
        using var client = new HttpClient(handler);

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.GetAsync(new Uri($"http://hooks.example.com:{port}/"), TestContext.Current.CancellationToken));
        Assert.IsType<SsrfBlockedException>(failure.InnerException);
    }

    [Fact]
    public async Task An_allow_listed_range_connects()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connector = new GuardedConnector(new TargetPolicy(new SsrfOptions { AllowedRanges = ["127.0.0.0/8"] }), new Rebinding());
        using var handler = new SocketsHttpHandler { ConnectCallback = connector.ConnectAsync, UseProxy = false };
        using var client = new HttpClient(handler);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var request = client.GetAsync(new Uri($"http://hooks.example.com:{port}/"), cancel.Token);
        using var accepted = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        Assert.True(accepted.Connected);
    }
}
