using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Attachments;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>Attachments through the client: upload, a message that references them (WebSocket and REST), download byte for byte, refusals.</summary>
public sealed class ClientAttachmentTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Files_posted_over_the_WebSocket_and_over_REST_arrive_with_the_message_and_download_byte_for_byte()
    {
        await using var alice = await SignInAsync(fixture, "alice");
        // Not started: its post goes over REST.
        await using var bob = await SignInAsync(fixture, "bob");
        var room = (await alice.CreateRoomAsync(ChatUser.UniqueName("files"), "files", cancellationToken: Cancel)).Id;
        await bob.JoinAsync(room, Cancel);
        await alice.StartAsync(cancellationToken: Cancel);
        Assert.Equal(ChatChannel.WebSocket, alice.Channel);

        var png = TestImages.Png(40, 30);
        // Binary that is not text: random bytes behind a PDF signature (the type is decided from the first bytes), under
        // the fixture's Gateway:Attachments:MaxFileBytes (256 KiB).
        var pdf = new byte[200 * 1024];
        Random.Shared.NextBytes(pdf);
        "%PDF-1.7\n"u8.CopyTo(pdf);

        var image = await alice.UploadAsync(room, new MemoryStream(png), "chart.png", "image/png", Cancel);
        Assert.Equal(("chart.png", png.Length, "image/png", 40, 30), (image.Name, image.Size, image.ContentType, image.Width, image.Height));
        var document = await bob.UploadAsync(room, new MemoryStream(pdf), "report.pdf", cancellationToken: Cancel);
        Assert.Equal(("report.pdf", pdf.Length, "application/pdf", null), (document.Name, document.Size, document.ContentType, document.Width));

        var overWebSocket = await alice.SendAsync(room, "the chart", [image.Id], Cancel);
        var overRest = await bob.SendAsync(room, null, [document.Id], Cancel);

        var messages = await MessagesAsync(alice, room, 2);
        Assert.Equal([overWebSocket, overRest], messages.Select(m => m.Id));
        Assert.Equal([image], messages[0].Attachments);
        Assert.Equal(("", document), (messages[1].Text, Assert.Single(messages[1].Attachments)));

        // Each member downloads the other's file: the same bytes, served with the server's type and the name.
        using var pngCopy = new MemoryStream();
        var served = await bob.DownloadAsync(room, image.Id, pngCopy, Cancel);
        Assert.Equal(png, pngCopy.ToArray());
        Assert.Equal(("image/png", "chart.png", png.LongLength), (served.ContentType, served.FileName, served.Length));
        using var pdfCopy = new MemoryStream();
        served = await alice.DownloadAsync(room, document.Id, pdfCopy, Cancel);
        Assert.Equal(pdf, pdfCopy.ToArray());
        Assert.Equal(("application/pdf", "report.pdf"), (served.ContentType, served.FileName));

        // Deleting the message hides its file.
        await bob.DeleteAsync(room, overRest, Cancel);
        var hidden = await Assert.ThrowsAsync<ChatMeshException>(() => alice.DownloadAsync(room, document.Id, System.IO.Stream.Null, Cancel));
        Assert.Equal(("attachment_not_found", 404), (hidden.Code, hidden.Status));
    }

    [Fact]
    public async Task Refused_uploads_and_downloads_throw_the_server_codes()
    {
        await using var alice = await SignInAsync(fixture, "alice");
        await using var eve = await SignInAsync(fixture, "eve");
        var room = (await alice.CreateRoomAsync(ChatUser.UniqueName("files"), "files", cancellationToken: Cancel)).Id;
        var pending = await alice.UploadAsync(room, new MemoryStream("plain words\n"u8.ToArray()), "notes.txt", cancellationToken: Cancel);

        var outsider = await Assert.ThrowsAsync<ChatMeshException>(() => eve.UploadAsync(room, new MemoryStream([1, 2, 3]), "x.txt", cancellationToken: Cancel));
        Assert.Equal(("not_member", 403), (outsider.Code, outsider.Status));
        await eve.JoinAsync(room, Cancel);
        // Someone else's pending upload is not hers to see, and its id does not say it exists.
        var notYet = await Assert.ThrowsAsync<ChatMeshException>(() => eve.DownloadAsync(room, pending.Id, System.IO.Stream.Null, Cancel));
        Assert.Equal(("attachment_not_found", 404), (notYet.Code, notYet.Status));
        var spoofed = await Assert.ThrowsAsync<ChatMeshException>(() => eve.UploadAsync(room, new MemoryStream("<html>"u8.ToArray()), "a.png", "image/png", Cancel));
        Assert.Equal(("content_type_mismatch", 415), (spoofed.Code, spoofed.Status));
        var empty = await Assert.ThrowsAsync<ChatMeshException>(() => eve.UploadAsync(room, new MemoryStream(), "empty.txt", cancellationToken: Cancel));
        Assert.Equal(("empty_file", 400), (empty.Code, empty.Status));
        var tooLarge = new byte[AttachmentOverrides.MaxFileBytes + 1];
        "%PDF-1.7\n"u8.CopyTo(tooLarge);
        var large = await Assert.ThrowsAsync<ChatMeshException>(() => eve.UploadAsync(room, new MemoryStream(tooLarge), "big.pdf", cancellationToken: Cancel));
        Assert.Equal(("payload_too_large", 413), (large.Code, large.Status));
        var notHers = await Assert.ThrowsAsync<ChatMeshException>(() => eve.SendAsync(room, "mine now", [pending.Id], Cancel));
        Assert.Equal("attachment_not_found", notHers.Code);
    }
}
