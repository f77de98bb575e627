using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Attachments in any S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, …), one object per content address:
/// <c>{prefix}sha256/{hash}</c>. Uploads are spooled in the machine's temp folder, then sent with a single PUT.
/// </summary>
public sealed class S3AttachmentStore : IAttachmentStore, IDisposable
{
    private readonly AmazonS3Client client;
    private readonly S3ConnectionString connection;

    public S3AttachmentStore(S3ConnectionString connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        this.connection = connection;
        var config = new AmazonS3Config
        {
            ServiceURL = connection.Endpoint.ToString(),
            AuthenticationRegion = connection.Region,
            ForcePathStyle = connection.ForcePathStyle,
            // Checksums only where S3 requires them: many S3-compatible servers refuse the SDK's default trailing CRCs.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        client = new AmazonS3Client(new BasicAWSCredentials(connection.AccessKey, connection.SecretKey), config);
        SpoolDirectory = Path.Combine(Path.GetTempPath(), "chatmesh-attachments");
        Directory.CreateDirectory(SpoolDirectory);
    }

    public string SpoolDirectory { get; }

    public async Task PutAsync(string sha256, string spooledFile, long length, CancellationToken cancellationToken)
    {
        try
        {
            if (!await ExistsAsync(Key(sha256), cancellationToken).ConfigureAwait(false))
            {
                await client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = connection.Bucket,
                    Key = Key(sha256),
                    FilePath = spooledFile,
                    ContentType = "application/octet-stream",
                    // One signed payload, not aws-chunked streaming signatures: some S3-compatible servers (s3rver among
                    // them) store the chunk framing as the object's bytes instead of decoding it.
                    UseChunkEncoding = false,
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            File.Delete(spooledFile);
        }
    }

    public async Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetObjectAsync(connection.Bucket, Key(sha256), cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        // S3 answers 204 for a key that does not exist, so a repeated delete is harmless.
        await client.DeleteObjectAsync(connection.Bucket, Key(sha256), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string? after, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        // ListObjectsV2 lists keys in ordinal (UTF-8 binary) order: start after the last hash indexed (a position that
        // survives a restart, unlike a continuation token), then follow continuation tokens past keys that are not hashes.
        var prefix = connection.Prefix + "sha256/";
        var request = new ListObjectsV2Request
        {
            BucketName = connection.Bucket,
            Prefix = prefix,
            StartAfter = after is null ? null : Key(after),
            MaxKeys = Math.Min(max, 1000),
        };
        var found = new List<string>();
        while (true)
        {
            var response = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var entry in response.S3Objects ?? [])
            {
                var name = entry.Key[prefix.Length..];
                if (ContentAddress.IsSha256(name))
                {
                    found.Add(name);
                }
            }

            if (found.Count > 0 || response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                return found.Count > max ? found[..max] : found;
            }

            request.ContinuationToken = response.NextContinuationToken;
            request.StartAfter = null;
        }
    }

    public void Dispose() => client.Dispose();

    public string Key(string sha256) => connection.Prefix + "sha256/" + ContentAddress.Require(sha256);

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await client.GetObjectMetadataAsync(connection.Bucket, key, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
