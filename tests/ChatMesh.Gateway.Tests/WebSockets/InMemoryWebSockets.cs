using System.IO.Pipelines;
using System.Net.WebSockets;
using ChatMesh.Gateway.WebSockets;

namespace ChatMesh.Gateway.Tests.WebSockets;

/// <summary>
/// A server and a client WebSocket joined by in-memory pipes. Server-to-client bytes are bounded, so a client
/// that does not read makes the server's sends wait — a slow consumer without a network. With
/// <c>coalescedBytes</c> above 0 the server's socket writes through a <see cref="CoalescingStream"/>, as the gateway's
/// does with <c>Gateway:WebSocket:MaxCoalescedBytes</c>.
/// </summary>
internal sealed class InMemoryWebSockets : IDisposable
{
    public InMemoryWebSockets(int serverToClientBytes, int coalescedBytes = 0)
    {
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: serverToClientBytes, resumeWriterThreshold: serverToClientBytes / 2));
        var toServer = new Pipe();
        Stream serverStream = new DuplexStream(toServer.Reader.AsStream(), toClient.Writer.AsStream());
        if (coalescedBytes > 0)
        {
            serverStream = Coalescing = new CoalescingStream(serverStream, coalescedBytes);
        }

        Server = WebSocket.CreateFromStream(serverStream,
            new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        Client = WebSocket.CreateFromStream(new DuplexStream(toClient.Reader.AsStream(), toServer.Writer.AsStream()),
            new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = Timeout.InfiniteTimeSpan });
    }

    public WebSocket Server { get; }

    /// <summary>The stream under <see cref="Server"/> when its writes are coalesced; null otherwise.</summary>
    public CoalescingStream? Coalescing { get; }

    public WebSocket Client { get; }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }

    private sealed class DuplexStream(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

        public override void Flush() => output.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                output.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
