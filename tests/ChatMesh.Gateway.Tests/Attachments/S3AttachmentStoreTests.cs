using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using ChatMesh.Chat.Attachments;

namespace ChatMesh.Gateway.Tests.Attachments;

/// <summary>
/// <see cref="S3AttachmentStore"/> against a real S3-compatible server (s3rver), signing every request with SigV4. The
/// store's interface has no range reads (downloads stream the whole object, and the gateway's ETag is the SHA-256, not
/// S3's), so none are tested here.
/// </summary>
public sealed class S3AttachmentStoreTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private readonly string spool = Directory.CreateTempSubdirectory("chatmesh-s3-spool-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_is_stored_once_under_its_hash_reads_back_byte_for_byte_and_is_gone_after_a_delete()
    {
        using var store = Store(prefix: "chatmesh/");
        var bytes = RandomNumberGenerator.GetBytes(300 * 1024);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));

        var first = Spool(bytes);
        await store.PutAsync(sha, first, bytes.Length, Token);
        Assert.False(File.Exists(first), "the store did not take the spooled file over");
        Assert.Equal(bytes, await ReadAsync(store, sha));

        // The same content again: nothing new is sent, and the spooled copy is dropped.
        var second = Spool(bytes);
        await store.PutAsync(sha, second, bytes.Length, Token);
        Assert.False(File.Exists(second));
        Assert.Equal(bytes, await ReadAsync(store, sha));

        await store.DeleteAsync(sha, Token);
        Assert.Null(await store.OpenReadAsync(sha, Token));
        // Deleting what is not there is not an error (a sweep may repeat itself).
        await store.DeleteAsync(sha, Token);
    }

    [Fact]
    public async Task A_key_that_was_never_stored_reads_as_missing()
    {
        using var store = Store();
        Assert.Null(await store.OpenReadAsync(new string('7', 64), Token));
    }

    // s3rver 3.7.1 checks the access key but not the SigV4 signature itself, so wrong credentials are tested with a wrong
    // key; a real S3 answers a wrong secret the same way, 403, with SignatureDoesNotMatch (docs/operations.md).
    [Fact]
    public async Task Wrong_credentials_are_refused_by_the_server_with_403_and_the_spool_is_still_removed()
    {
        using var store = Store(accessKey: "NOT-A-KEY");
        var bytes = "refused\n"u8.ToArray();
        var spooled = Spool(bytes);

        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            store.PutAsync(Convert.ToHexStringLower(SHA256.HashData(bytes)), spooled, bytes.Length, Token));

        // The upload's first request is a HEAD (is the blob there already?), whose 403 has no body to name the error.
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(File.Exists(spooled));
        var download = await Assert.ThrowsAsync<AmazonS3Exception>(() => store.OpenReadAsync(new string('7', 64), Token));
        Assert.Equal((HttpStatusCode.Forbidden, "InvalidAccessKeyId"), (download.StatusCode, download.ErrorCode));
    }

    public void Dispose() => Directory.Delete(spool, recursive: true);

    private S3AttachmentStore Store(string accessKey = S3rverFixture.AccessKey, string prefix = "")
    {
        Assert.Null(S3ConnectionString.TryParse(s3.ConnectionString(accessKey, prefix), out var connection));
        return new S3AttachmentStore(connection!);
    }

    private string Spool(byte[] bytes)
    {
        var path = Path.Combine(spool, Path.GetRandomFileName());
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static async Task<byte[]> ReadAsync(S3AttachmentStore store, string sha)
    {
        await using var content = await store.OpenReadAsync(sha, Token);
        Assert.NotNull(content);
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy, Token);
        return copy.ToArray();
    }
}
