using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Reads the sections of a client's <c>multipart/form-data</c> body (the gateway's upload, an inbound hook's files) so
/// that a body that is not what its content type says — no boundary line, a section cut off, headers past the limit —
/// ends in <see cref="MalformedMultipartException"/> (answered 400 <c>invalid_request</c> by the endpoint's
/// <see cref="Problems.RequestBoundary"/>, the one place that catches it) instead of the reader's
/// <see cref="IOException"/> / <see cref="InvalidDataException"/> escaping as a server error. Kestrel's own refusals
/// (<see cref="BadHttpRequestException"/>: a body over the size cap) pass through unchanged.
/// </summary>
public static class MultipartSections
{
    /// <summary>The next section, or null at the closing boundary.</summary>
    public static async Task<MultipartSection?> NextAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsMalformed(exception, cancellationToken))
        {
            throw new MalformedMultipartException(exception);
        }
    }

    /// <summary>The section's body, whose reads fail with <see cref="MalformedMultipartException"/> when the body is cut off.</summary>
    public static Stream BodyOf(MultipartSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new PartStream(section.Body);
    }

    private static bool IsMalformed(Exception exception, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && exception is InvalidDataException or (IOException and not BadHttpRequestException);

    private sealed class PartStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (Exception exception) when (IsMalformed(exception, CancellationToken.None))
            {
                throw new MalformedMultipartException(exception);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsMalformed(exception, cancellationToken))
            {
                throw new MalformedMultipartException(exception);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A <c>multipart/form-data</c> body that cannot be read as one (see <see cref="MultipartSections"/>).</summary>
public sealed class MalformedMultipartException(Exception inner)
    : Exception($"The body is not valid multipart/form-data: {inner.Message}", inner);
