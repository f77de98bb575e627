using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace ChatMesh.Integration.Inbound;

/// <summary>
/// The raw body of a hook post, read whole before anything else is checked (the signature covers all of it): in memory
/// for JSON (at most <c>Integration:Inbound:MaxBodyBytes</c>), spooled to a file for multipart posts with files, which
/// are then only ever read as a stream (the signature check, the multipart reader): a post's memory is a buffer, not
/// its body. Disposing deletes the spool file.
/// </summary>
internal sealed class HookBody : IDisposable
{
    private readonly byte[]? bytes;
    private readonly string? file;

    private HookBody(byte[]? bytes, string? file)
    {
        this.bytes = bytes;
        this.file = file;
    }

    /// <summary>
    /// The body, or null when it exceeds <paramref name="maxBytes"/> (declared or actual). With <paramref name="spoolDirectory"/>
    /// it is written to a file there, else kept in memory.
    /// </summary>
    public static async Task<HookBody?> ReadAsync(HttpContext context, long maxBytes, string? spoolDirectory, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBytes + 1;
        }

        try
        {
            return spoolDirectory is null
                ? await ReadToMemoryAsync(context.Request.Body, maxBytes, cancellationToken)
                : await ReadToFileAsync(context.Request.Body, maxBytes, spoolDirectory, cancellationToken);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    /// <summary>The bytes of a body kept in memory (a JSON post); a spooled body is read with <see cref="OpenRead"/> only.</summary>
    public byte[] Bytes => bytes ?? throw new InvalidOperationException("A spooled hook body is read as a stream.");

    public Stream OpenRead() => bytes is not null
        ? new MemoryStream(bytes, writable: false)
        : new FileStream(file!, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public void Dispose()
    {
        if (file is not null)
        {
            File.Delete(file);
        }
    }

    private static async Task<HookBody?> ReadToMemoryAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var read = await body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                return new HookBody(buffer.WrittenSpan.ToArray(), null);
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return null;
            }
        }
    }

    private static async Task<HookBody?> ReadToFileAsync(Stream body, long maxBytes, string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, Path.GetRandomFileName() + ".hook");
        var kept = false;
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                var chunk = new byte[81920];
                long length = 0;
                int read;
                while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    length += read;
                    if (length > maxBytes)
                    {
                        return null;
                    }

                    await file.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
                }
            }

            kept = true;
            return new HookBody(null, path);
        }
        finally
        {
            if (!kept)
            {
                File.Delete(path);
            }
        }
    }
}
