namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// A stream the gateway puts between a <c>/ws</c> WebSocket and Kestrel's HTTP/1.1 upgrade stream: reads pass straight
/// through, it cannot seek; what a subclass does with writes and flushes is its point.
/// </summary>
internal abstract class UpgradedStream(Stream inner) : Stream
{
    /// <summary>Kestrel's upgrade stream underneath.</summary>
    protected Stream Inner => inner;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
