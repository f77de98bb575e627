using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.LongPoll;
using ChatMesh.EndToEnd.Tests.Sse;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Attachments;

/// <summary>Files in rooms through the edge: uploaded, referenced by a message on every channel, downloaded by members only.</summary>
public sealed class AttachmentDeliveryTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_image_attached_to_a_message_reaches_every_channel_and_history_and_downloads_inline()
    {
        using var alice = await Uploads.SignInAsync(fixture, "att-alice");
        using var bob = await Uploads.SignInAsync(fixture, "att-bob");
        var room = Names.Room("att-image");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        var token = PollClient.Token(bob);
        await using var ws = await WsClient.ConnectAsync(fixture, token);
        await ws.SendAsync(new { type = "subscribe", @ref = "s" });
        await ws.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
        using var sseHttp = StreamClients.Create(fixture);
        await using var sse = await SseClient.ConnectAsync(sseHttp, "/sse", token);
        using var poll = PollClient.For(fixture, bob);
        var (queue, cursor, _) = await poll.RegisterAsync();

        var png = TestImages.Png(40, 30);
        var upload = await alice.UploadAsync(room, png, "chart.png", "image/png");
        Assert.Equal("chart.png", upload.GetProperty("name").GetString());
        Assert.Equal(png.Length, upload.GetProperty("size").GetInt64());
        Assert.Equal("image/png", upload.GetProperty("contentType").GetString());
        Assert.Equal((40, 30), (upload.GetProperty("width").GetInt32(), upload.GetProperty("height").GetInt32()));
        var id = await alice.PostAttachedAsync(room, "the chart", upload.Id());

        var overWs = await ws.WaitForAsync(frame => WsClient.Type(frame) == "message.created" && frame.GetProperty("id").GetInt64() == id);
        Assert.Equal(upload.GetRawText(), Assert.Single(overWs.GetProperty("data").GetProperty("attachments").EnumerateArray()).GetRawText());
        var overSse = await sse.WaitForAsync(e => e.Id == id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(overWs.GetRawText(), overSse.Data);
        var polled = await poll.PollUntilAsync(queue, cursor, events => events.Any(e => e.GetProperty("id").GetInt64() == id));
        Assert.Equal(overWs.GetRawText(), polled.AllEvents!.Single(e => e.GetProperty("id").GetInt64() == id).GetRawText());

        var history = await bob.GetJsonAsync($"/api/rooms/{room}/messages");
        var message = Assert.Single(history.GetProperty("messages").EnumerateArray());
        Assert.Equal("the chart", message.GetProperty("text").GetString());
        Assert.Equal(upload.Id(), Assert.Single(message.GetProperty("attachments").EnumerateArray()).GetProperty("id").GetString());

        using var download = await bob.DownloadAsync(room, upload.Id());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(png, await download.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("chart.png", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        AssertNeverActive(download);
    }

    [Fact]
    public async Task Files_other_than_raster_images_download_as_attachments_with_the_type_the_server_decided()
    {
        using var alice = await Uploads.SignInAsync(fixture, "att-file");
        var room = Names.Room("att-file");
        await alice.CreateRoomAsync(room);

        // Declared as HTML, but the bytes are plain text: the server's type wins.
        var notes = await alice.UploadAsync(room, "meeting notes\n- ship it\n"u8.ToArray(), "notes.txt", "text/html");
        Assert.Equal("text/plain", notes.GetProperty("contentType").GetString());
        Assert.False(notes.TryGetProperty("width", out _));
        var pdf = await alice.UploadAsync(room, "%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\n"u8.ToArray(), "résumé.pdf", "application/octet-stream");
        Assert.Equal("application/pdf", pdf.GetProperty("contentType").GetString());
        await alice.PostAttachedAsync(room, null, notes.Id(), pdf.Id());

        using var text = await alice.DownloadAsync(room, notes.Id());
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", text.Content.Headers.ContentDisposition?.DispositionType);
        AssertNeverActive(text);
        using var document = await alice.DownloadAsync(room, pdf.Id());
        Assert.Equal("attachment", document.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("résumé.pdf", document.Content.Headers.ContentDisposition?.FileNameStar);

        // A message of files alone has empty text, and both files in the order given.
        var message = Assert.Single((await alice.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages").EnumerateArray());
        Assert.Equal("", message.GetProperty("text").GetString());
        Assert.Equal([notes.Id(), pdf.Id()], message.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Only_members_download_and_an_unsent_upload_is_its_uploaders_alone()
    {
        using var alice = await Uploads.SignInAsync(fixture, "att-owner");
        using var bob = await Uploads.SignInAsync(fixture, "att-member");
        using var mallory = await Uploads.SignInAsync(fixture, "att-outsider");
        var room = Names.Room("att-members");
        await alice.CreateRoomAsync(room, kind: "private");
        using (var invite = await alice.PostAsync($"/api/rooms/{room}/invites", new { user = bob.Id }))
        {
            await Json.ReadAsync(invite, HttpStatusCode.OK);
        }

        await bob.JoinAsync(room);
        var upload = await alice.UploadAsync(room, TestImages.Png(4, 4), "secret.png");

        using (var own = await alice.DownloadAsync(room, upload.Id()))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        await AssertNotFoundAsync(bob, room, upload.Id());
        await AssertNotFoundAsync(mallory, room, upload.Id());

        await alice.PostAttachedAsync(room, "for the team", upload.Id());
        using (var member = await bob.DownloadAsync(room, upload.Id()))
        {
            Assert.Equal(HttpStatusCode.OK, member.StatusCode);
        }

        // Not 403: an outsider cannot tell a real id from a made-up one.
        await AssertNotFoundAsync(mallory, room, upload.Id());
        await AssertNotFoundAsync(mallory, room, new string('0', 32));
        using (var left = await bob.PostAsync($"/api/rooms/{room}/leave"))
        {
            await Json.ReadAsync(left, HttpStatusCode.OK);
        }

        await AssertNotFoundAsync(bob, room, upload.Id());
    }

    [Fact]
    public async Task Deleting_the_message_hides_its_files()
    {
        using var alice = await Uploads.SignInAsync(fixture, "att-delete");
        using var bob = await Uploads.SignInAsync(fixture, "att-deleted");
        var room = Names.Room("att-delete");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        var upload = await alice.UploadAsync(room, TestImages.Png(6, 6), "oops.png");
        var id = await alice.PostAttachedAsync(room, "wrong file", upload.Id());
        using (var before = await bob.DownloadAsync(room, upload.Id()))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var deleted = await alice.SendAsync(HttpMethod.Delete, $"/api/rooms/{room}/messages/{id}"))
        {
            await Json.ReadAsync(deleted, HttpStatusCode.OK);
        }

        await AssertNotFoundAsync(bob, room, upload.Id());
        await AssertNotFoundAsync(alice, room, upload.Id());
        var tombstone = Assert.Single((await bob.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages").EnumerateArray());
        Assert.True(tombstone.GetProperty("deleted").GetBoolean());
        Assert.Empty(tombstone.GetProperty("attachments").EnumerateArray());
    }

    [Fact]
    public async Task A_WebSocket_send_references_uploads_and_a_retry_with_the_same_key_writes_nothing_twice()
    {
        using var alice = await Uploads.SignInAsync(fixture, "att-ws");
        var room = Names.Room("att-ws");
        await alice.CreateRoomAsync(room);
        var upload = await alice.UploadAsync(room, "from the socket"u8.ToArray(), "socket.txt");
        await using var ws = await WsClient.ConnectAsync(fixture, PollClient.Token(alice));
        await ws.SendAsync(new { type = "subscribe", @ref = "s" });
        await ws.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");

        await ws.SendAsync(new { type = "send", @ref = "m1", room, key = "k1", attachments = new[] { upload.Id() } });
        var ack = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == "m1");
        await ws.SendAsync(new { type = "send", @ref = "m2", room, key = "k1", attachments = new[] { upload.Id() } });
        var repeat = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == "m2");

        Assert.Equal(ack.GetProperty("id").GetInt64(), repeat.GetProperty("id").GetInt64());
        Assert.True(repeat.GetProperty("duplicate").GetBoolean());
        var created = await ws.WaitForAsync(frame => WsClient.Type(frame) == "message.created");
        Assert.Equal(upload.GetRawText(), Assert.Single(created.GetProperty("data").GetProperty("attachments").EnumerateArray()).GetRawText());
        Assert.Single((await alice.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages").EnumerateArray());
    }

    /// <summary>What keeps a downloaded file from acting on the origin, checked as the browser receives it (through the edge).</summary>
    internal static void AssertNeverActive(HttpResponseMessage download)
    {
        Assert.Equal("nosniff", Assert.Single(download.Headers.GetValues("X-Content-Type-Options")));
        var policy = string.Join(", ", download.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("sandbox", policy);
        Assert.Contains("default-src 'none'", policy);
        Assert.DoesNotContain("script-src 'self'", policy);
    }

    internal static async Task AssertNotFoundAsync(ApiUser user, string room, string id)
    {
        using var response = await user.DownloadAsync(room, id);
        await Json.ProblemAsync(response, HttpStatusCode.NotFound, "attachment_not_found");
    }
}
