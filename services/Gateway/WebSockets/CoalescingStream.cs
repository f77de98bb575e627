using System.Buffers;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// The stream under a connection's WebSocket: writes pass straight through to the transport (each a write and a flush),
/// except while the connection's writer has several frames queued (<see cref="Defer"/> … <see cref="FlushDeferredAsync"/>):
/// then whole frames are copied into one pooled buffer and written to the transport at once, so a run of queued frames
/// costs one transport write, one flush and one socket send instead of one each. The WebSocket API writes one message
/// per call; this is where several of them meet. Control frames the WebSocket writes by itself meanwhile (pong, ping,
/// close) join the run in order. An idle connection holds no buffer.
/// </summary>
internal sealed class CoalescingStream(Stream inner, int maxDeferredBytes) : UpgradedStream(inner)
{
    private readonly Lock _bufferGate = new();
    // Serializes writes to the transport: a pass-through write and the deferred run's write never overlap.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private byte[]? _pending;
    private int _count;
    private bool _deferring;

    /// <summary>True while frames are being collected and not yet written.</summary>
    public bool IsDeferring
    {
        get
        {
            lock (_bufferGate)
            {
                return _deferring;
            }
        }
    }

    /// <summary>True once the collected frames reach the bound: time to write them.</summary>
    public bool IsFull => Volatile.Read(ref _count) >= maxDeferredBytes;

    /// <summary>Starts collecting the frames written from now on.</summary>
    public void Defer()
    {
        lock (_bufferGate)
        {
            _deferring = true;
        }
    }

    /// <summary>Stops collecting and writes what was collected, with one flush.</summary>
    public async ValueTask FlushDeferredAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[]? pending;
            int count;
            lock (_bufferGate)
            {
                _deferring = false;
                pending = _pending;
                count = _count;
                _pending = null;
                _count = 0;
            }

            if (pending is null)
            {
                return;
            }

            try
            {
                await Inner.WriteAsync(pending.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(pending);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_bufferGate)
        {
            if (_deferring)
            {
                Append(buffer.Span);
                return ValueTask.CompletedTask;
            }
        }

        return WriteThroughAsync(buffer, cancellationToken);
    }

    private async ValueTask WriteThroughAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var needed = _count + bytes.Length;
        if (_pending is null || _pending.Length < needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(2 * needed, 2 * maxDeferredBytes)));
            if (_pending is not null)
            {
                _pending.AsSpan(0, _count).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_pending);
            }

            _pending = larger;
        }

        bytes.CopyTo(_pending.AsSpan(_count));
        Volatile.Write(ref _count, needed);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    // A flush while collecting is the collected run's to do; otherwise every write already flushed.
    public override Task FlushAsync(CancellationToken cancellationToken) => IsDeferring ? Task.CompletedTask : Inner.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
            lock (_bufferGate)
            {
                if (_pending is not null)
                {
                    ArrayPool<byte>.Shared.Return(_pending);
                    _pending = null;
                }
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await Inner.DisposeAsync().ConfigureAwait(false);
        Dispose(false);
        lock (_bufferGate)
        {
            if (_pending is not null)
            {
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = null;
            }
        }
        GC.SuppressFinalize(this);
    }
}
