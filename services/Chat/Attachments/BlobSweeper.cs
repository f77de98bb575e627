using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Every <see cref="AttachmentOptions.SweepInterval"/>, deletes from the <see cref="IAttachmentStore"/> the bytes no
/// attachment that could still be shown references (<see cref="BlobIndex"/>): uploads whose pending time ran out, files of
/// deleted messages. One instance sweeps per interval (a Redis lock), and each blob's verdict is one atomic script, so
/// several gateways sweeping at once still delete each blob at most once and never one still referenced.
/// <para>
/// Blobs stored before the index existed (before session 12) are brought under it once per deployment, by the gateway
/// that holds the sweep lock, in bounded steps whose position is saved in Redis (<c>chat:blobs:backfill</c>), so a
/// restart resumes it: first every attachment is recorded as a reference of its blob (those uploads recorded none), and
/// only then the store is listed and the blobs the index lacks are indexed, to be judged after the grace period like any
/// other. No sweep runs until the references are rebuilt: a blob indexed since, but shared with an older attachment,
/// would otherwise lose bytes that attachment still shows.
/// </para>
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
        if ((await blobs.BackfillStateAsync().ConfigureAwait(false)).Phase == BlobBackfillPhase.References)
        {
            // Older attachments are not yet references of their blobs: judging any blob now could delete one they show.
            return 0;
        }

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

    /// <summary>
    /// One bounded step of the backfill (a <c>SCAN</c> of <see cref="AttachmentOptions.BackfillScanCount"/> while the
    /// references are rebuilt, then a listing page of <see cref="AttachmentOptions.BackfillPageSize"/> stored blobs), from
    /// the position saved by the last step (on any instance). Returns the phase it leaves the backfill in.
    /// </summary>
    public async Task<BlobBackfillPhase> BackfillStepAsync(CancellationToken cancellationToken)
    {
        var state = await blobs.BackfillStateAsync().ConfigureAwait(false);
        switch (state.Phase)
        {
            case BlobBackfillPhase.References:
                await blobs.RebuildReferencesStepAsync(state.Cursor, options.Value.BackfillScanCount).ConfigureAwait(false);
                break;
            case BlobBackfillPhase.Store:
                var page = await store.ListAsync(state.After, options.Value.BackfillPageSize, cancellationToken).ConfigureAwait(false);
                await blobs.IndexStoredStepAsync(page).ConfigureAwait(false);
                break;
            default:
                return BlobBackfillPhase.Done;
        }

        return (await blobs.BackfillStateAsync().ConfigureAwait(false)).Phase;
    }

    /// <summary>Backfill steps until it is done or <paramref name="budget"/> has passed (the next round resumes it); logs its progress.</summary>
    public async Task<BlobBackfillPhase> BackfillAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var before = await blobs.BackfillStateAsync().ConfigureAwait(false);
        if (before.Phase == BlobBackfillPhase.Done)
        {
            return BlobBackfillPhase.Done;
        }

        var until = time.GetUtcNow() + budget;
        var phase = before.Phase;
        while (phase != BlobBackfillPhase.Done && time.GetUtcNow() < until)
        {
            phase = await BackfillStepAsync(cancellationToken).ConfigureAwait(false);
        }

        var after = await blobs.BackfillStateAsync().ConfigureAwait(false);
        if (phase == BlobBackfillPhase.Done)
        {
            LogBackfillDone(logger, after.References, after.Indexed);
        }
        else
        {
            LogBackfillProgress(logger, phase, after.References, after.Indexed);
        }

        return phase;
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
                    // Within the lock's hold: half the interval at most for the backfill, the rest for the sweep.
                    await BackfillAsync(interval * 0.5, stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Blob index backfill continues next sweep ({Phase}): {References} older attachment references recorded, {Indexed} stored blobs indexed so far")]
    private static partial void LogBackfillProgress(ILogger logger, BlobBackfillPhase phase, long references, long indexed);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Blob index backfill done: {References} older attachment references recorded, {Indexed} stored blobs indexed; they are swept by the usual rules")]
    private static partial void LogBackfillDone(ILogger logger, long references, long indexed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attachment sweep failed; retrying next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
