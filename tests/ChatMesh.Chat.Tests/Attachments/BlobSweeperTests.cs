using System.Text;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Identity;
using ChatMesh.Chat.Tests.Infrastructure;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.Attachments;

/// <summary>
/// The sweeper deletes the bytes nothing can show any more (an expired pending upload, the files of deleted messages), and
/// never bytes another attachment still references: content addressing lets two attachments share one blob.
/// </summary>
public sealed class BlobSweeperTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private readonly ManualTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly string root = Directory.CreateTempSubdirectory("chatmesh-blobs-").FullName;
    private readonly ChatTestContext t;
    private readonly FileSystemAttachmentStore store;
    private readonly AttachmentIntake intake;
    private readonly BlobSweeper sweeper;

    private static CancellationToken Token => ChatTestContext.Token;

    public BlobSweeperTests(RedisServerFixture redis)
    {
        // Pending uploads expire in Redis's own time: short here, so the test can watch one expire.
        t = new ChatTestContext(redis, new ChatOptions { Attachments = new() { PendingTtl = TimeSpan.FromMilliseconds(300) } }, clock);
        store = new FileSystemAttachmentStore(root);
        var options = Options.Create(new AttachmentOptions { Directory = root, SweepGrace = Grace });
        var blobs = new BlobIndex(redis.Connection, clock);
        intake = new AttachmentIntake(store, t.Chat, blobs, options);
        sweeper = new BlobSweeper(blobs, store, options, clock, NullLogger<BlobSweeper>.Instance);
    }

    [Fact]
    public async Task An_expired_pending_uploads_bytes_are_kept_through_the_grace_period_then_deleted_by_a_sweep()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "swept");
        var bytes = Unique("never sent");
        var upload = await UploadAsync(alice, room.Id, bytes);
        var sha = Sha(bytes);
        await Eventually.TrueAsync(() => !t.Db.KeyExists($"chat:room:{room.Id}:att:{upload.Id}"), "the pending upload expiring");

        await SweepAsync();
        Assert.True(File.Exists(store.PathOf(sha)), "bytes claimed within the grace period were deleted");

        clock.Now += Grace * 2;
        await SweepAsync();
        Assert.False(File.Exists(store.PathOf(sha)));
        Assert.Null(await store.OpenReadAsync(sha, Token));

        // The same content uploaded again is stored again, and downloads.
        var again = await UploadAsync(alice, room.Id, bytes);
        await using var content = await store.OpenReadAsync(sha, Token);
        Assert.NotNull(content);
        Assert.NotNull(await t.Chat.FindAttachmentAsync(alice, room.Id, again.Id, Token));
    }

    [Fact]
    public async Task A_blob_two_attachments_share_survives_while_one_can_still_be_shown_and_goes_with_the_last()
    {
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "shared");
        var bytes = Unique("the same report twice");
        var sha = Sha(bytes);
        var first = await UploadAsync(alice, room.Id, bytes);
        var second = await UploadAsync(alice, room.Id, bytes);
        var firstMessage = await t.Chat.PostMessageAsync(alice, room.Id, "v1", null, null, [first.Id], Token);
        var secondMessage = await t.Chat.PostMessageAsync(alice, room.Id, "v1 again", null, null, [second.Id], Token);

        await t.Chat.DeleteMessageAsync(alice, room.Id, firstMessage.EventId, Token);
        clock.Now += Grace * 2;
        await SweepAsync();
        Assert.True(File.Exists(store.PathOf(sha)), "a blob still referenced by a live message was deleted");
        Assert.Null(await t.Chat.FindAttachmentAsync(alice, room.Id, first.Id, Token));
        Assert.NotNull(await t.Chat.FindAttachmentAsync(alice, room.Id, second.Id, Token));

        await t.Chat.DeleteMessageAsync(alice, room.Id, secondMessage.EventId, Token);
        clock.Now += Grace * 2;
        await SweepAsync();
        Assert.False(File.Exists(store.PathOf(sha)));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A sweep of a deployment whose one-time backfill is done (no sweep runs before its references are rebuilt).</summary>
    private async Task SweepAsync()
    {
        Assert.Equal(BlobBackfillPhase.Done, await sweeper.BackfillAsync(TimeSpan.FromHours(1), Token));
        await sweeper.SweepOnceAsync(Token);
    }

    private async Task<MessageAttachment> UploadAsync(string uploader, string room, byte[] bytes)
    {
        var (attachment, problem) = await intake.StoreAsync(uploader, room, "report.txt", "text/plain", new MemoryStream(bytes), Token);
        Assert.Null(problem);
        return attachment!;
    }

    private static byte[] Unique(string text) => Encoding.UTF8.GetBytes($"{text} {Guid.NewGuid():N}\n");

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
