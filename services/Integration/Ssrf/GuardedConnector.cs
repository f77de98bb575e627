using System.Net;
using System.Net.Sockets;

namespace ChatMesh.Integration.Ssrf;

/// <summary>
/// The <see cref="SocketsHttpHandler.ConnectCallback"/> of the webhook client: resolves the host itself, connects only to
/// allowed addresses and checks the address actually connected to, so a DNS answer that changed since registration
/// (rebinding) cannot reach inside the network.
/// </summary>
public sealed class GuardedConnector(TargetPolicy policy, IHostResolver resolver)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = await resolver.ResolveAsync(host, cancellationToken);
        Exception? last = null;
        foreach (var address in addresses.Where(TargetPolicy.IsInternet))
        {
            if (policy.Refusal(address) is { } refused)
            {
                last = new SsrfBlockedException(host, address, refused);
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                // Belt and braces: judge the peer the kernel actually connected to.
                if (socket.RemoteEndPoint is IPEndPoint peer && policy.Refusal(peer.Address) is { } peerRefused)
                {
                    throw new SsrfBlockedException(host, peer.Address, peerRefused);
                }

                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception exception) when (exception is SocketException or SsrfBlockedException)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
