using System.Security.Cryptography;
using ChatMesh.Chat.Attachments;
using ChatMesh.Gateway.Attachments;

namespace ChatMesh.Gateway.Tests.Attachments;

/// <summary>The default store on a real folder: content-addressed, atomic hand-over, one copy of the same bytes.</summary>
public sealed class FileSystemAttachmentStoreTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("chatmesh-attachments-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stored_bytes_read_back_under_their_hash_and_the_spool_file_is_taken_over()
    {
        var store = new FileSystemAttachmentStore(root);
        var bytes = ContentSnifferTests.PngHeader(8, 8);
        var (sha, spool) = await SpoolAsync(store, bytes);

        await store.PutAsync(sha, spool, bytes.Length, Cancel);

        Assert.False(File.Exists(spool));
        await using var read = await store.OpenReadAsync(sha, Cancel);
        Assert.NotNull(read);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(Path.Combine(root, "sha256", sha[..2], sha[2..4], sha), store.PathOf(sha));
    }

    [Fact]
    public async Task The_same_bytes_uploaded_twice_are_stored_once()
    {
        var store = new FileSystemAttachmentStore(root);
        var bytes = "the same notes"u8.ToArray();
        var (sha, first) = await SpoolAsync(store, bytes);
        var (_, second) = await SpoolAsync(store, bytes);

        await store.PutAsync(sha, first, bytes.Length, Cancel);
        await store.PutAsync(sha, second, bytes.Length, Cancel);

        Assert.Single(Directory.GetFiles(Path.Combine(root, "sha256"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(store.SpoolDirectory));
    }

    [Fact]
    public async Task Unknown_hashes_read_as_nothing_and_anything_but_a_hash_is_refused()
    {
        var store = new FileSystemAttachmentStore(root);
        Assert.Null(await store.OpenReadAsync(new string('a', 64), Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync("../../etc/passwd", Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(new string('A', 64), Cancel));
    }

    private static async Task<(string Sha, string Path)> SpoolAsync(IAttachmentStore store, byte[] bytes)
    {
        var path = Path.Combine(store.SpoolDirectory, Path.GetRandomFileName());
        await File.WriteAllBytesAsync(path, bytes, Cancel);
        return (Convert.ToHexStringLower(SHA256.HashData(bytes)), path);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
