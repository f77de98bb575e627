namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Where attachment bytes live, content-addressed by their SHA-256 (64 lowercase hex digits): the same file uploaded twice
/// is stored once. Uploads are first written to a spool file in <see cref="SpoolDirectory"/>, then handed over.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>The folder an upload is written to before <see cref="PutAsync"/> (on the store's file system when it has one).</summary>
    string SpoolDirectory { get; }

    /// <summary>Stores the spooled file under its hash and takes it over (moved or deleted); durable when it returns.</summary>
    Task PutAsync(string sha256, string spooledFile, long length, CancellationToken cancellationToken);

    /// <summary>The bytes stored under the hash, or null when there are none.</summary>
    Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Deletes the bytes stored under the hash (nothing when there are none). Only the sweeper calls it (<see cref="BlobSweeper"/>).</summary>
    Task DeleteAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> hashes of stored blobs after <paramref name="after"/> (null: from the first), in
    /// ordinal order; empty when there are no more. The blob index's backfill lists the store with it, page by page.
    /// </summary>
    Task<IReadOnlyList<string>> ListAsync(string? after, int max, CancellationToken cancellationToken);
}

/// <summary>The shape of a content address.</summary>
public static class ContentAddress
{
    public static bool IsSha256(string? value) =>
        value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public static string Require(string sha256) =>
        IsSha256(sha256) ? sha256 : throw new ArgumentException("Not a lowercase hex SHA-256.", nameof(sha256));
}
