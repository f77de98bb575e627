using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Overrides;

namespace ChatMesh.EndToEnd.Tests.LongPoll;

/// <summary>Writes for polling clients under /poll: JSON and forms, idempotency, method override, body cap.</summary>
public sealed class LongPollSendingTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task A_form_encoded_post_is_delivered_with_its_reply_and_can_be_edited_through_method_override()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-form");
        var room = Names.Room("form");
        await alice.CreateRoomAsync(room);
        var original = await alice.PostMessageAsync(room, "question");
        using var poll = PollClient.For(fixture, alice);
        var (queue, start, _) = await poll.RegisterAsync();

        using var posted = await poll.PostFormAsync($"/poll/rooms/{room}/messages", ("text", "answer & more"), ("reply_to", $"{original}"));
        var id = (await Json.ReadAsync(posted, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        using var edited = await poll.PostFormAsync($"/poll/rooms/{room}/messages/{id}", ("_method", "PATCH"), ("text", "answer, edited"));
        await Json.ReadAsync(edited, HttpStatusCode.OK);

        var answer = await poll.PollUntilAsync(queue, start, events => events.Count >= 2);
        var created = Assert.Single(answer.AllEvents!, e => e.GetProperty("type").GetString() == "message.created");
        Assert.Equal("answer & more", created.GetProperty("data").GetProperty("text").GetString());
        Assert.Equal(original, created.GetProperty("data").GetProperty("replyTo").GetInt64());
        var edit = Assert.Single(answer.AllEvents!, e => e.GetProperty("type").GetString() == "message.edited");
        Assert.Equal("answer, edited", edit.GetProperty("data").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Posts_are_idempotent_by_header_or_form_field()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-idem");
        var room = Names.Room("idem");
        await alice.CreateRoomAsync(room);
        using var poll = PollClient.For(fixture, alice);
        var path = $"/poll/rooms/{room}/messages";

        using var first = await poll.PostJsonAsync(path, new { text = "once" }, idempotencyKey: "key-1");
        var body = await Json.ReadAsync(first, HttpStatusCode.Created);
        Assert.False(body.GetProperty("duplicate").GetBoolean());
        using var repeat = await poll.PostJsonAsync(path, new { text = "once" }, idempotencyKey: "key-1");
        var again = await Json.ReadAsync(repeat, HttpStatusCode.OK);
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(body.GetProperty("id").GetInt64(), again.GetProperty("id").GetInt64());

        using var form = await poll.PostFormAsync(path, ("text", "form once"), ("idempotency_key", "key-2"));
        var formId = (await Json.ReadAsync(form, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        using var formRepeat = await poll.PostFormAsync(path, ("text", "form once"), ("idempotency_key", "key-2"));
        Assert.Equal(formId, (await Json.ReadAsync(formRepeat, HttpStatusCode.OK)).GetProperty("id").GetInt64());

        var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Equal(2, history.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task Sends_give_the_same_errors_as_the_rest_api()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-senderr");
        using var bob = await ApiUser.SignInAsync(fixture, "lp-senderr-b");
        var room = Names.Room("senderr");
        await alice.CreateRoomAsync(room);
        using var poll = PollClient.For(fixture, bob);

        using var notMember = await poll.PostFormAsync($"/poll/rooms/{room}/messages", ("text", "hi"));
        await Json.ProblemAsync(notMember, HttpStatusCode.Forbidden, "not_member");
        using var noRoom = await poll.PostJsonAsync($"/poll/rooms/{Names.Room("none")}/messages", new { text = "hi" });
        await Json.ProblemAsync(noRoom, HttpStatusCode.NotFound, "room_not_found");
        using var noText = await poll.PostJsonAsync($"/poll/rooms/{room}/messages", new { replyTo = 1 });
        await Json.ProblemAsync(noText, HttpStatusCode.BadRequest, "invalid_request");
        using var xml = await poll.Client.PostAsync(new Uri($"/poll/rooms/{room}/messages", UriKind.Relative),
            new StringContent("<text>hi</text>", System.Text.Encoding.UTF8, "application/xml"), TestContext.Current.CancellationToken);
        await Json.ProblemAsync(xml, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Read_and_delete_work_for_polling_clients()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-read");
        var room = Names.Room("read");
        await alice.CreateRoomAsync(room);
        var id = await alice.PostMessageAsync(room, "read me");
        using var poll = PollClient.For(fixture, alice);

        using var read = await poll.PostFormAsync($"/poll/rooms/{room}/read", ("event_id", $"{id}"));
        Assert.True((await Json.ReadAsync(read, HttpStatusCode.OK)).GetProperty("eventId").GetInt64() > id);
        using var delete = await poll.Client.DeleteAsync(new Uri($"/poll/rooms/{room}/messages/{id}", UriKind.Relative), TestContext.Current.CancellationToken);
        await Json.ReadAsync(delete, HttpStatusCode.OK);

        var rooms = await alice.GetJsonAsync("/api/rooms");
        var mine = Assert.Single(rooms.EnumerateArray(), r => r.GetProperty("room").GetProperty("id").GetString() == room);
        Assert.Equal(0, mine.GetProperty("unread").GetInt64());
    }

    [Fact]
    public async Task An_oversized_body_is_payload_too_large()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-big");
        var room = Names.Room("big");
        await alice.CreateRoomAsync(room);
        using var poll = PollClient.For(fixture, alice);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/poll/rooms/{room}/messages", UriKind.Relative))
        {
            Content = new StringContent($"{{\"text\":\"{new string('x', LegacyOverrides.MaxRequestBodyBytes + 10)}\"}}", System.Text.Encoding.UTF8, "application/json"),
        };
        // Announce the body so the 413 cannot race the upload.
        request.Headers.ExpectContinue = true;

        using var response = await poll.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await Json.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Theory]
    [InlineData("/poll/queues", "application/json")]
    [InlineData("/poll/rooms/{room}/messages", "application/x-www-form-urlencoded")]
    public async Task An_oversized_chunked_body_without_a_length_is_payload_too_large(string path, string mediaType)
    {
        using var alice = await ApiUser.SignInAsync(fixture, "lp-chunk");
        var room = Names.Room("chunk");
        await alice.CreateRoomAsync(room);
        using var poll = PollClient.For(fixture, alice);
        var body = mediaType == "application/json"
            ? $"{{\"rooms\":[\"{new string('r', LegacyOverrides.MaxRequestBodyBytes)}\"]}}"
            : $"text={new string('x', LegacyOverrides.MaxRequestBodyBytes)}";
        // A stream of unknown length goes out chunked: the cap can only be enforced while reading.
        using var content = new StreamContent(new UnseekableStream(System.Text.Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path.Replace("{room}", room, StringComparison.Ordinal), UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await poll.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await Json.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    /// <summary>A read-only stream that hides its length, so HttpClient cannot send a Content-Length.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
