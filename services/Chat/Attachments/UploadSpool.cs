using System.Security.Cryptography;

namespace ChatMesh.Chat.Attachments;

/// <summary>An upload written to a spool file: its length, SHA-256 and first bytes (for <see cref="ContentSniffer"/>).</summary>
public sealed class SpooledUpload(string path, long length, string sha256, byte[] head) : IDisposable
{
    public const int HeadBytes = 64 * 1024;

    public string Path { get; } = path;

    public long Length { get; } = length;

    public string Sha256 { get; } = sha256;

    public byte[] Head { get; } = head;

    /// <summary>Set once the store took the file over; until then disposing deletes it.</summary>
    public bool HandedOver { get; set; }

    public void Dispose()
    {
        if (!HandedOver)
        {
            File.Delete(Path);
        }
    }
}

/// <summary>The file is larger than the limit; nothing was kept.</summary>
public sealed class UploadTooLargeException(long maxBytes) : Exception($"The file is larger than {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}

public static class UploadSpool
{
    /// <summary>Copies <paramref name="source"/> into a new file in <paramref name="directory"/>, hashing as it goes; flushed to disk.</summary>
    public static async Task<SpooledUpload> WriteAsync(Stream source, string directory, long maxBytes, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(directory, System.IO.Path.GetRandomFileName() + ".upload");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = new MemoryStream();
        var buffer = new byte[81920];
        long length = 0;
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                    if (length > maxBytes)
                    {
                        throw new UploadTooLargeException(maxBytes);
                    }

                    hash.AppendData(buffer, 0, read);
                    if (head.Length < SpooledUpload.HeadBytes)
                    {
                        head.Write(buffer, 0, (int)Math.Min(read, SpooledUpload.HeadBytes - head.Length));
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                // Acknowledged means on disk: the rename into the store is only as durable as these bytes.
                file.Flush(flushToDisk: true);
            }

            return new SpooledUpload(path, length, Convert.ToHexStringLower(hash.GetHashAndReset()), head.ToArray());
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }
}
