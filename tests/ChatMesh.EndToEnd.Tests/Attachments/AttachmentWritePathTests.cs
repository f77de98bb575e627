using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.LongPoll;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.EndToEnd.Tests.Webhooks;

namespace ChatMesh.EndToEnd.Tests.Attachments;

/// <summary>Files reach a room on every write path, not only REST: the long-poll send and inbound hooks.</summary>
public sealed class AttachmentWritePathTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_long_poll_send_references_an_upload_once_and_a_member_downloads_it()
    {
        using var alice = await Uploads.SignInAsync(fixture, "att-poll");
        using var bob = await Uploads.SignInAsync(fixture, "att-pollb");
        var room = Names.Room("att-poll");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        var png = TestImages.Png(12, 9);
        var upload = await alice.UploadAsync(room, png, "poll.png", "image/png");
        using var poll = PollClient.For(fixture, alice);

        using var posted = await poll.PostJsonAsync($"/poll/rooms/{room}/messages", new { attachments = new[] { upload.Id() } });
        var id = (await Json.ReadAsync(posted, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        // Each upload is referenced once, whichever path tries again: the same answer as REST and WebSocket give.
        using var again = await poll.PostFormAsync($"/poll/rooms/{room}/messages", ("text", "again"), ("attachments", upload.Id()));
        Assert.Equal("attachment_not_found", (await Json.ReadAsync(again, HttpStatusCode.NotFound)).GetProperty("error").GetString());

        var message = Assert.Single((await bob.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages").EnumerateArray());
        Assert.Equal(id, message.GetProperty("id").GetInt64());
        Assert.Equal(upload.GetRawText(), Assert.Single(message.GetProperty("attachments").EnumerateArray()).GetRawText());
        using var download = await bob.DownloadAsync(room, upload.Id());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(png, await download.Content.ReadAsByteArrayAsync(Cancel));
    }

    [Fact]
    public async Task A_file_posted_to_an_inbound_hook_is_downloaded_by_a_member_from_the_gateway()
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "att-hook");
        using var created = await owner.Api.PostAsync("/api/webhooks/incoming", new { room = owner.Room, name = "CI" });
        var hook = await Json.ReadAsync(created, HttpStatusCode.Created);
        using var anonymous = ApiUser.CreateCookielessClient(fixture, "web");
        var report = Encoding.UTF8.GetBytes($"coverage {Guid.NewGuid():N}: 93%\n");
        var png = TestImages.Png(20, 10);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"text":"nightly build","username":"Jenkins"}""", Encoding.UTF8, "application/json"), "payload_json" },
            { File(report, "text/plain"), "files[0]", "coverage.txt" },
            { File(png, "image/png"), "files[1]", "trend.png" },
        };

        using var posted = await anonymous.PostAsync(new Uri(hook.GetProperty("url").GetString()!, UriKind.Relative), form, Cancel);
        var id = (await Json.ReadAsync(posted, HttpStatusCode.Created)).GetProperty("id").GetInt64();

        var message = Assert.Single((await owner.GetAsync($"/api/rooms/{owner.Room}/messages")).GetProperty("messages").EnumerateArray());
        Assert.Equal(id, message.GetProperty("id").GetInt64());
        Assert.Equal(hook.GetProperty("bot").GetString(), message.GetProperty("author").GetString());
        var files = message.GetProperty("attachments").EnumerateArray().ToArray();
        Assert.Equal(["coverage.txt", "trend.png"], files.Select(f => f.GetProperty("name").GetString()));
        Assert.Equal(["text/plain", "image/png"], files.Select(f => f.GetProperty("contentType").GetString()));

        using var text = await owner.Api.DownloadAsync(owner.Room, files[0].Id());
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal(report, await text.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal("attachment", text.Content.Headers.ContentDisposition?.DispositionType);
        using var image = await owner.Api.DownloadAsync(owner.Room, files[1].Id());
        Assert.Equal(png, await image.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal("inline", image.Content.Headers.ContentDisposition?.DispositionType);
    }

    private static ByteArrayContent File(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }
}
