using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Every <see cref="AttachmentOptions.SweepInterval"/>, deletes from the <see cref="IAttachmentStore"/> the bytes no
/// attachment that could still be shown references (<see cref="BlobIndex"/>): uploads whose pending time ran out, files of
/// deleted messages. One instance sweeps per interval (a Redis lock), and each blob's verdict is one atomic script, so
/// several gateways sweeping at once still delete each blob at most once and never one still referenced.
/// </summary>
public sealed partial class BlobSweeper(
    BlobIndex blobs, IAttachmentStore store, IOptions<AttachmentOptions> options, TimeProvider time, ILogger<BlobSweeper> logger)
    : BackgroundService
{
    /// <summary>How long a condemned blob holds off new uploads of the same content while its bytes are deleted.</summary>
    public static readonly TimeSpan DeleteLease = TimeSpan.FromMinutes(1);

    private const int Batch = 256;

    private readonly string owner = Environment.MachineName + "/" + Environment.ProcessId + "/" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>
    /// One sweep: every blob unclaimed for the grace period is judged, and the condemned ones' bytes deleted. Returns how
    /// many were deleted. Safe to run on several instances at once.
    /// </summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var grace = options.Value.SweepGrace;
        var deleted = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var candidates = await blobs.CandidatesAsync(grace, Batch).ConfigureAwait(false);
            var fresh = candidates.Where(seen.Add).ToList();
            if (fresh.Count == 0)
            {
                return deleted;
            }

            foreach (var sha in fresh)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await blobs.SweepAsync(sha, grace, DeleteLease).ConfigureAwait(false) != BlobVerdict.Condemned)
                {
                    continue;
                }

                await store.DeleteAsync(sha, cancellationToken).ConfigureAwait(false);
                await blobs.ReleaseAsync(sha).ConfigureAwait(false);
                deleted++;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SweepInterval;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                // Held for most of the interval: the other gateways skip this round.
                if (await blobs.TryLockSweepAsync(owner, interval * 0.9).ConfigureAwait(false))
                {
                    var deleted = await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
                    if (deleted > 0)
                    {
                        LogSwept(logger, deleted);
                    }
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Redis or the store unreachable: nothing was lost, the next round tries again.
                LogSweepFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Attachment sweep deleted {Count} unreferenced blobs")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attachment sweep failed; retrying next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
