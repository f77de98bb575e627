using System.Net.Http.Json;
using System.Text;
using ChatMesh.EndToEnd.Tests.Api;

namespace ChatMesh.EndToEnd.Tests.Attachments;

/// <summary>
/// Hostile uploads and references through the edge: each gets its documented problem (status and <c>error</c> code),
/// nothing refused is kept, and nothing a client says about a file makes it active content.
/// </summary>
public sealed class AttachmentHostileTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(AttachmentOverrides.MaxFileBytes + 1)]
    [InlineData(AttachmentOverrides.MaxFileBytes * 8)]
    public async Task A_file_over_the_limit_is_a_413_problem(int size)
    {
        var (alice, room) = await RoomAsync("att-big");
        using (alice)
        {
            using var response = await alice.UploadRawAsync(room, Encoding.ASCII.GetBytes(new string('a', size)), "big.txt", "text/plain");
            await Json.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        }
    }

    [Fact]
    public async Task A_file_of_exactly_the_limit_is_accepted()
    {
        var (alice, room) = await RoomAsync("att-limit");
        using (alice)
        {
            var upload = await alice.UploadAsync(room, Encoding.ASCII.GetBytes(new string('a', AttachmentOverrides.MaxFileBytes)), "limit.txt");
            Assert.Equal(AttachmentOverrides.MaxFileBytes, upload.GetProperty("size").GetInt64());
        }
    }

    [Theory]
    [InlineData("page.html", "text/html", "<!doctype html><html><script>alert(document.cookie)</script></html>")]
    [InlineData("logo.svg", "image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>")]
    [InlineData("tool", "application/octet-stream", "\u007fELF\u0002\u0001\u0001\0\0\0\0\0")]
    public async Task Content_of_a_type_not_allowed_is_a_415_problem(string name, string declared, string content)
    {
        var (alice, room) = await RoomAsync("att-type");
        using (alice)
        {
            using var response = await alice.UploadRawAsync(room, Encoding.UTF8.GetBytes(content), name, declared);
            var problem = await Json.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
            Assert.Contains("allowed:", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Html_sent_as_a_png_is_refused_as_a_spoofed_image()
    {
        var (alice, room) = await RoomAsync("att-spoof");
        using (alice)
        {
            using var response = await alice.UploadRawAsync(room, "<html><img src=x onerror=alert(1)></html>"u8.ToArray(), "cat.png", "image/png");
            var problem = await Json.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "content_type_mismatch");
            Assert.Contains("image/png", problem.GetProperty("detail").GetString());
            Assert.Contains("text/html", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Empty_files_bodies_that_are_not_multipart_and_forms_without_a_file_part_are_refused()
    {
        var (alice, room) = await RoomAsync("att-shape");
        using (alice)
        {
            using var empty = await alice.UploadRawAsync(room, [], "empty.txt", "text/plain");
            await Json.ProblemAsync(empty, HttpStatusCode.BadRequest, "empty_file");

            using var json = await alice.Client.PostAsJsonAsync(new Uri($"/api/rooms/{room}/attachments", UriKind.Relative), new { file = "x" }, Cancel);
            await Json.ProblemAsync(json, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

            using var otherPart = await alice.UploadRawAsync(room, "x"u8.ToArray(), "x.txt", "text/plain", part: "attachment");
            await Json.ProblemAsync(otherPart, HttpStatusCode.BadRequest, "invalid_request");

            // A body that is not the multipart its content type announces: no boundary line, or the file part cut off.
            foreach (var raw in new[]
                     {
                         "{\"file\":\"x\"}",
                         "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\ncut off before the closing boundary",
                     })
            {
                using var body = new ByteArrayContent(Encoding.UTF8.GetBytes(raw));
                body.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");
                using var malformed = await alice.Client.PostAsync(new Uri($"/api/rooms/{room}/attachments", UriKind.Relative), body, Cancel);
                await Json.ProblemAsync(malformed, HttpStatusCode.BadRequest, "invalid_request");
            }
        }
    }

    [Fact]
    public async Task A_path_in_a_file_name_is_dropped_and_a_name_of_dots_is_refused()
    {
        var (alice, room) = await RoomAsync("att-path");
        using (alice)
        {
            var upload = await alice.UploadAsync(room, "root:x:0:0"u8.ToArray(), "../../../../../../etc/passwd");
            Assert.Equal("passwd", upload.GetProperty("name").GetString());
            await alice.PostAttachedAsync(room, "see", upload.Id());
            using var download = await alice.DownloadAsync(room, upload.Id());
            Assert.Equal("passwd", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

            var windows = await alice.UploadAsync(room, "x"u8.ToArray(), "..\\..\\boot.ini");
            Assert.Equal("boot.ini", windows.GetProperty("name").GetString());

            using var dots = await alice.UploadRawAsync(room, "x"u8.ToArray(), "..", "text/plain");
            await Json.ProblemAsync(dots, HttpStatusCode.BadRequest, "invalid_argument");
            using var nameless = await alice.UploadRawAsync(room, "x"u8.ToArray(), name: null, "text/plain");
            await Json.ProblemAsync(nameless, HttpStatusCode.BadRequest, "invalid_request");
        }
    }

    [Fact]
    public async Task Uploading_to_a_room_you_are_not_in_is_refused_before_the_body_is_kept()
    {
        var (alice, room) = await RoomAsync("att-outsider");
        using var mallory = await Uploads.SignInAsync(fixture, "att-mallory");
        using (alice)
        {
            using var response = await mallory.UploadRawAsync(room, "x"u8.ToArray(), "x.txt", "text/plain");
            await Json.ProblemAsync(response, HttpStatusCode.Forbidden, "not_member");
            using var missing = await mallory.UploadRawAsync(Names.Room("att-nowhere"), "x"u8.ToArray(), "x.txt", "text/plain");
            await Json.ProblemAsync(missing, HttpStatusCode.Forbidden, "not_member");
        }
    }

    [Fact]
    public async Task More_attachments_than_a_message_may_hold_is_refused_and_writes_nothing()
    {
        var (alice, room) = await RoomAsync("att-many");
        using (alice)
        {
            List<string> ids = [];
            for (var i = 0; i <= AttachmentOverrides.MaxPerMessage; i++)
            {
                ids.Add((await alice.UploadAsync(room, Encoding.ASCII.GetBytes($"file {i}"), $"f{i}.txt")).Id());
            }

            using var tooMany = await alice.PostWithAttachmentsAsync(room, "all of them", [.. ids]);
            await Json.ProblemAsync(tooMany, HttpStatusCode.BadRequest, "too_many_attachments");
            Assert.Empty((await alice.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages").EnumerateArray());

            await alice.PostAttachedAsync(room, "the most allowed", [.. ids.Take(AttachmentOverrides.MaxPerMessage)]);
        }
    }

    [Fact]
    public async Task A_message_can_reference_only_its_authors_unsent_uploads_in_that_room()
    {
        var (alice, room) = await RoomAsync("att-refs");
        using var bob = await Uploads.SignInAsync(fixture, "att-refs-bob");
        using (alice)
        {
            await bob.JoinAsync(room);
            var mine = (await alice.UploadAsync(room, "mine"u8.ToArray(), "mine.txt")).Id();
            var bobs = (await bob.UploadAsync(room, "bob's"u8.ToArray(), "bobs.txt")).Id();
            var otherRoom = Names.Room("att-refs-other");
            await alice.CreateRoomAsync(otherRoom);
            var elsewhere = (await alice.UploadAsync(otherRoom, "elsewhere"u8.ToArray(), "elsewhere.txt")).Id();

            foreach (var id in new[] { bobs, elsewhere, new string('0', 32), "../../etc/passwd" })
            {
                using var refused = await alice.PostWithAttachmentsAsync(room, "not mine", id);
                await Json.ProblemAsync(refused, HttpStatusCode.NotFound, "attachment_not_found");
            }

            await alice.PostAttachedAsync(room, "once", mine);
            using var again = await alice.PostWithAttachmentsAsync(room, "twice", mine);
            await Json.ProblemAsync(again, HttpStatusCode.NotFound, "attachment_not_found");
            Assert.Single((await alice.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages").EnumerateArray());
        }
    }

    [Fact]
    public async Task A_download_of_a_made_up_or_malformed_id_is_a_404_problem()
    {
        var (alice, room) = await RoomAsync("att-ids");
        using (alice)
        {
            await AttachmentDeliveryTests.AssertNotFoundAsync(alice, room, new string('f', 32));
            await AttachmentDeliveryTests.AssertNotFoundAsync(alice, room, "not-an-id");
            await AttachmentDeliveryTests.AssertNotFoundAsync(alice, "dm:x:y", new string('f', 32));
        }
    }

    private async Task<(ApiUser User, string Room)> RoomAsync(string prefix)
    {
        var user = await Uploads.SignInAsync(fixture, prefix);
        var room = Names.Room(prefix);
        await user.CreateRoomAsync(room);
        return (user, room);
    }
}
