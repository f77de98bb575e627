using Microsoft.AspNetCore.Http.Features;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The stream under a <c>/ws</c> WebSocket when its writes are not coalesced: Kestrel's HTTP/1.1 upgrade stream, whose
/// every write already flushes (its <c>WritePipeAsync</c> writes to the connection's output pipe and flushes it, under
/// one lock), with the flush that follows each WebSocket frame (<c>ManagedWebSocket</c> writes a frame, then flushes)
/// answered here: passed on, it takes Kestrel's output lock again per frame for nothing to send (1.4 % of the
/// gateway's samples at 160,000 deliveries/s; docs/benchmarks.md, session 12). Reads, writes and disposal pass through.
/// </summary>
internal sealed class FlushedWritesStream(Stream inner) : UpgradedStream(inner)
{
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);

    // Every write above has flushed already.
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await Inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}

/// <summary>Hands the WebSocket middleware a <see cref="FlushedWritesStream"/> over the HTTP/1.1 upgrade.</summary>
internal sealed class FlushedWritesUpgrade(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync() => new FlushedWritesStream(await inner.UpgradeAsync().ConfigureAwait(false));
}
