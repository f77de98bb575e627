using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// A request body as the endpoints behind <see cref="RequestBoundary"/> read it: counted against the body cap (a read past
/// it fails as Kestrel's own count does, <see cref="BadHttpRequestException"/> 413), while the server's own count is set
/// <see cref="RequestBoundaryOptions.DrainBytes"/> higher, so that after a refusal the rest can still be read and
/// discarded (<see cref="DrainAsync"/>). It stands in for <see cref="IHttpMaxRequestBodySizeFeature"/> too: an endpoint
/// that sets its own cap (an inbound hook's) moves this count, and the server's along with it.
/// </summary>
internal sealed class BoundaryBody : Stream, IHttpMaxRequestBodySizeFeature
{
    private const int DrainBufferBytes = 16 * 1024;

    private readonly HttpContext context;
    private readonly Stream inner;
    private readonly IHttpMaxRequestBodySizeFeature? server;
    private readonly long? declared;
    private readonly long drainBytes;
    private long? cap;
    private long read;
    private bool started, sawEnd, abandoned;

    private BoundaryBody(HttpContext context, long drainBytes)
    {
        this.context = context;
        inner = context.Request.Body;
        server = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        declared = context.Request.ContentLength;
        this.drainBytes = drainBytes;
    }

    /// <summary>Puts a counted body with cap <paramref name="maxBytes"/> in place of the request's.</summary>
    public static BoundaryBody Install(HttpContext context, long maxBytes, long drainBytes)
    {
        var body = new BoundaryBody(context, drainBytes) { MaxRequestBodySize = maxBytes };
        context.Request.Body = body;
        context.Features.Set<IHttpMaxRequestBodySizeFeature>(body);
        context.Response.OnStarting(static state => ((BoundaryBody)state).OnAnswer(), body);
        return body;
    }

    /// <summary>True once the body has been read to its end (its declared length, or the end of a chunked one).</summary>
    public bool Ended => sawEnd || read >= declared;

    /// <summary>True when a refusal left the body unread and its answer said <c>Connection: close</c>: the rest is discarded after it.</summary>
    public bool MustDrain { get; private set; }

    public bool IsReadOnly => started || server is { IsReadOnly: true };

    public long? MaxRequestBodySize
    {
        get => cap;
        set
        {
            if (IsReadOnly)
            {
                throw new InvalidOperationException("The request body's size limit cannot be changed once the body is being read.");
            }

            cap = value;
            if (server is { IsReadOnly: false })
            {
                // The server counts the drain allowance too; past it, its own refusal ends the drain.
                server.MaxRequestBodySize = WithAllowance(value);
            }
        }
    }

    /// <summary>
    /// At the answer's start: a refusal (4xx, 5xx) of a body not read to its end says <c>Connection: close</c> (the
    /// server cannot take the connection's next request before the rest is read) and has the rest discarded after it.
    /// </summary>
    private Task OnAnswer()
    {
        if (context.Response.StatusCode >= StatusCodes.Status400BadRequest && !Ended && !abandoned)
        {
            context.Response.Headers.Connection = "close";
            MustDrain = true;
        }

        return Task.CompletedTask;
    }

    /// <summary>An exception left the endpoint: its answer (the exception handler's, further out) is not a refusal of this boundary.</summary>
    public void Abandon() => abandoned = true;

    /// <summary>
    /// Reads and discards the rest of the body, up to the drain allowance past the cap and until <paramref name="timeout"/>:
    /// what a client sends in that bound it sends in full, and reads the answer; past it the connection is closed with
    /// the rest unread. Nothing is read for a client that waits for <c>100 Continue</c> and was sent none.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, TimeProvider time)
    {
        var request = context.Request;
        var limit = WithAllowance(cap) ?? long.MaxValue;
        if (drainBytes == 0 || timeout == TimeSpan.Zero || declared > limit
            || (read == 0 && request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted);
        var buffer = ArrayPool<byte>.Shared.Rent(DrainBufferBytes);
        try
        {
            while (read <= limit)
            {
                var n = await inner.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    sawEnd = true;
                    return;
                }

                read += n;
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // Out of time, the server's own count past the allowance (BadHttpRequestException), or the client went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A body size plus the drain allowance (saturating).</summary>
    private long? WithAllowance(long? bytes) => bytes is { } value ? value + Math.Min(drainBytes, long.MaxValue - value) : null;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        started = true;
        return Count(inner.Read(buffer), buffer.Length);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        started = true;
        return Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Length);
    }

    private int Count(int n, int asked)
    {
        if (n == 0 && asked > 0)
        {
            sawEnd = true;
        }

        read += n;
        if (read > cap)
        {
            // As Kestrel's own count refuses it (and the same exception, so every endpoint handles both alike).
            throw new BadHttpRequestException($"Request body too large. The max request body size is {cap} bytes.",
                StatusCodes.Status413PayloadTooLarge);
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
