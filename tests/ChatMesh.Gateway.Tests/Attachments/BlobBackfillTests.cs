using System.Security.Cryptography;
using System.Text;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.Attachments;

/// <summary>
/// The blob index's one-time backfill, on both stores (the file system, and S3 through s3rver): files stored before the
/// index existed (session 12) are brought under the sweep's rules. Their uploads recorded no blob references, so a
/// pre-index file is made here as those uploads left it: attachment recorded (and posted), then its index entry and
/// reference set removed; an unreferenced one is bytes in the store and nothing in Redis (its pending upload expired).
/// </summary>
public sealed class BlobBackfillTests : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private readonly RedisServerFixture redis;
    private readonly S3rverFixture s3;
    private readonly Clock clock = new();
    private readonly string root = Directory.CreateTempSubdirectory("chatmesh-backfill-").FullName;
    private readonly RedisChatService chat;
    private readonly string owner = $"owner-{Guid.NewGuid():N}"[..16];
    private readonly string room = $"backfill-{Guid.NewGuid():N}"[..30];
    private IAttachmentStore? store;

    public BlobBackfillTests(RedisServerFixture redis, S3rverFixture s3)
    {
        this.redis = redis;
        this.s3 = s3;
        chat = new RedisChatService(redis.Connection, Options.Create(new ChatOptions()), clock);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private IDatabase Db => redis.Connection.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        // A fresh deployment as far as the backfill goes (the test classes of this assembly share one Redis).
        await Db.KeyDeleteAsync(ChatKeys.Blobs.Backfill);
        await chat.CreateRoomAsync(owner, room, "backfilled", RoomKind.Public, null, Token);
    }

    public ValueTask DisposeAsync()
    {
        (store as IDisposable)?.Dispose();
        Directory.Delete(root, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task A_pre_index_file_still_referenced_survives_backfill_and_sweeps_and_an_unreferenced_one_goes_after_the_grace_period(string kind)
    {
        UseStore(kind);
        var sweeper = Sweeper();
        var (posted, postedSha) = await PostedBeforeTheIndexAsync("kept report");
        var orphanSha = await StoredOnlyAsync("an upload never sent, long expired");
        Assert.Null(await Db.SortedSetScoreAsync(ChatKeys.Blobs.Index, orphanSha));

        Assert.Equal(BlobBackfillPhase.Done, await sweeper.BackfillAsync(TimeSpan.FromHours(1), Token));
        Assert.NotNull(await Db.SortedSetScoreAsync(ChatKeys.Blobs.Index, orphanSha));

        // Indexed now, so the grace period runs from the backfill, as for a new upload.
        await sweeper.SweepOnceAsync(Token);
        Assert.True(await StoredAsync(orphanSha), "an indexed blob was deleted within its grace period");

        clock.Now += Grace * 2;
        await sweeper.SweepOnceAsync(Token);
        clock.Now += Grace * 2;
        await sweeper.SweepOnceAsync(Token);
        Assert.False(await StoredAsync(orphanSha), "an unreferenced pre-index blob was not swept");
        Assert.True(await StoredAsync(postedSha), "a pre-index file a message still shows was deleted");
        Assert.NotNull(await chat.FindAttachmentAsync(owner, room, posted.Id, Token));

        // Once per deployment: a file stored without the index after the backfill finished is not looked for again.
        var late = await StoredOnlyAsync("stored after the backfill");
        Assert.Equal(BlobBackfillPhase.Done, await Sweeper().BackfillAsync(TimeSpan.FromHours(1), Token));
        Assert.Null(await Db.SortedSetScoreAsync(ChatKeys.Blobs.Index, late));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task A_blob_shared_by_a_pre_index_attachment_and_a_deleted_newer_one_is_never_swept_whenever_a_sweep_runs(string kind)
    {
        // The trap: the newer upload indexed the blob with only its own reference. Sweeping it before the older
        // attachment is a reference too (no rebuild, or the store indexed first) deletes bytes a message still shows.
        UseStore(kind);
        var sweeper = Sweeper(scanCount: 10);
        var bytes = Unique("the same file, before and after the index");
        var (older, sha) = await PostedBeforeTheIndexAsync(bytes);
        var newer = await UploadAsync(bytes);
        var message = await chat.PostMessageAsync(owner, room, "again", null, null, [newer.Id], Token);
        await chat.DeleteMessageAsync(owner, room, message.EventId, Token);
        clock.Now += Grace * 2;

        // A sweep after every step (another gateway, the next round): none may take the shared bytes.
        var steps = 0;
        BlobBackfillPhase phase;
        do
        {
            await sweeper.SweepOnceAsync(Token);
            Assert.True(await StoredAsync(sha), $"the shared blob was deleted after {steps} backfill steps");
            phase = await sweeper.BackfillStepAsync(Token);
            steps++;
            clock.Now += Grace * 2;
        }
        while (phase != BlobBackfillPhase.Done);

        await sweeper.SweepOnceAsync(Token);
        Assert.True(await StoredAsync(sha), "the shared blob was deleted after the backfill");
        Assert.NotNull(await chat.FindAttachmentAsync(owner, room, older.Id, Token));
        Assert.Null(await chat.FindAttachmentAsync(owner, room, newer.Id, Token));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task A_backfill_stopped_midway_resumes_where_it_stopped_on_another_instance(string kind)
    {
        UseStore(kind);
        var (posted, postedSha) = await PostedBeforeTheIndexAsync("kept through a crash");
        var orphans = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            orphans.Add(await StoredOnlyAsync($"orphan {i}"));
        }

        // The first instance rebuilds the references and indexes one page of two, then stops (crash, deploy).
        var first = Sweeper(pageSize: 2);
        while (await first.BackfillStepAsync(Token) == BlobBackfillPhase.References)
        {
        }

        Assert.Equal(BlobBackfillPhase.Store, await first.BackfillStepAsync(Token));

        // Another instance goes on from the saved position: two more pages of two, then the empty page that ends it (from
        // the start it would take the reference scan again and four pages).
        var second = Sweeper(pageSize: 2);
        var steps = 1;
        while (await second.BackfillStepAsync(Token) != BlobBackfillPhase.Done)
        {
            steps++;
        }

        Assert.Equal(3, steps);
        foreach (var sha in orphans.Append(postedSha))
        {
            Assert.NotNull(await Db.SortedSetScoreAsync(ChatKeys.Blobs.Index, sha));
        }

        clock.Now += Grace * 2;
        await second.SweepOnceAsync(Token);
        foreach (var sha in orphans)
        {
            Assert.False(await StoredAsync(sha), "an unreferenced pre-index blob was not swept after a resumed backfill");
        }

        Assert.True(await StoredAsync(postedSha));
        Assert.NotNull(await chat.FindAttachmentAsync(owner, room, posted.Id, Token));
    }

    private void UseStore(string kind) => store = kind == "s3" ? S3Store() : new FileSystemAttachmentStore(root);

    private BlobSweeper Sweeper(int scanCount = 1000, int pageSize = 1000)
    {
        var options = Options.Create(new AttachmentOptions
        {
            Directory = root, SweepGrace = Grace, BackfillScanCount = scanCount, BackfillPageSize = pageSize,
        });
        return new BlobSweeper(new BlobIndex(redis.Connection, clock), Store, options, clock, NullLogger<BlobSweeper>.Instance);
    }

    private S3AttachmentStore S3Store()
    {
        // A prefix of its own per test: the listing sees only this test's blobs.
        Assert.Null(S3ConnectionString.TryParse(s3.ConnectionString(prefix: $"backfill-{Guid.NewGuid():N}/"), out var connection));
        return new S3AttachmentStore(connection!);
    }

    private IAttachmentStore Store => store ?? throw new InvalidOperationException("UseStore first.");

    private Task<(MessageAttachment Attachment, string Sha)> PostedBeforeTheIndexAsync(string text) => PostedBeforeTheIndexAsync(Unique(text));

    /// <summary>An attachment posted in a message, left as an upload before session 12 left it: no reference, not indexed.</summary>
    private async Task<(MessageAttachment Attachment, string Sha)> PostedBeforeTheIndexAsync(byte[] bytes)
    {
        var attachment = await UploadAsync(bytes);
        await chat.PostMessageAsync(owner, room, "the report", null, null, [attachment.Id], Token);
        var sha = Sha(bytes);
        await Db.KeyDeleteAsync(ChatKeys.Blobs.RefsPrefix + sha);
        await Db.SortedSetRemoveAsync(ChatKeys.Blobs.Index, sha);
        return (attachment, sha);
    }

    private async Task<MessageAttachment> UploadAsync(byte[] bytes)
    {
        var intake = new AttachmentIntake(Store, chat, new BlobIndex(redis.Connection, clock), Options.Create(new AttachmentOptions { Directory = root }));
        var (attachment, problem) = await intake.StoreAsync(owner, room, "report.txt", "text/plain", new MemoryStream(bytes), Token);
        Assert.Null(problem);
        return attachment!;
    }

    private async Task<string> StoredOnlyAsync(string text)
    {
        var bytes = Unique(text);
        var spooled = Path.Combine(Store.SpoolDirectory, Path.GetRandomFileName());
        await File.WriteAllBytesAsync(spooled, bytes, Token);
        await Store.PutAsync(Sha(bytes), spooled, bytes.Length, Token);
        return Sha(bytes);
    }

    private async Task<bool> StoredAsync(string sha)
    {
        await using var content = await Store.OpenReadAsync(sha, Token);
        return content is not null;
    }

    private static byte[] Unique(string text) => Encoding.UTF8.GetBytes($"{text} {Guid.NewGuid():N}\n");

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
