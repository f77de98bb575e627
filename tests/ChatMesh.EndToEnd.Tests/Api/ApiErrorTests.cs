using System.Net.Http.Headers;
using System.Text;

namespace ChatMesh.EndToEnd.Tests.Api;

public sealed class ApiErrorTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("{\"id\":")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"id\":42,\"name\":\"x\"}")]
    [InlineData("not json at all")]
    public async Task A_broken_body_is_a_400_problem_with_invalid_request_not_an_empty_400(string body)
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");

        using var response = await alice.Client.PostAsync(
            new Uri("/api/rooms", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), Cancel);

        var problem = await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Missing_fields_are_a_400_invalid_request_problem()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("fields");
        await alice.CreateRoomAsync(room);

        using var noName = await alice.PostAsync("/api/rooms", new { id = Names.Room("noname") });
        await Json.ProblemAsync(noName, HttpStatusCode.BadRequest, "invalid_request");
        using var noText = await alice.PostAsync($"/api/rooms/{room}/messages", new { replyTo = 1 });
        await Json.ProblemAsync(noText, HttpStatusCode.BadRequest, "invalid_request");
        using var noEventId = await alice.PostAsync($"/api/rooms/{room}/read", new { });
        await Json.ProblemAsync(noEventId, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Domain_refusals_of_values_are_400_problems_with_their_code()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("values");
        await alice.CreateRoomAsync(room);

        using var blank = await alice.PostAsync($"/api/rooms/{room}/messages", new { text = "   " });
        await Json.ProblemAsync(blank, HttpStatusCode.BadRequest, "invalid_argument");
        using var tooLong = await alice.PostAsync($"/api/rooms/{room}/messages", new { text = new string('x', 4001) });
        await Json.ProblemAsync(tooLong, HttpStatusCode.BadRequest, "text_too_long");
        using var direct = await alice.PostAsync("/api/rooms", new { id = Names.Room("kind"), name = "x", kind = "direct" });
        await Json.ProblemAsync(direct, HttpStatusCode.BadRequest, "invalid_argument");
        using var badId = await alice.PostAsync("/api/rooms", new { id = "Not A Room Id", name = "x" });
        await Json.ProblemAsync(badId, HttpStatusCode.BadRequest, "invalid_argument");
        using var withSelf = await alice.PostAsync($"/api/direct/{alice.Id}");
        await Json.ProblemAsync(withSelf, HttpStatusCode.BadRequest, "invalid_argument");
        using var readPastEnd = await alice.PostAsync($"/api/rooms/{room}/read", new { eventId = long.MaxValue });
        await Json.ProblemAsync(readPastEnd, HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");

        using var response = await alice.Client.PostAsync(
            new Uri("/api/rooms", UriKind.Relative), new StringContent("id=x&name=y", Encoding.UTF8, "text/plain"), Cancel);

        await Json.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task An_oversized_body_is_a_413_problem_whether_its_length_is_declared_or_chunked()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("big");
        await alice.CreateRoomAsync(room);
        // Default Gateway:Api:MaxRequestBodyBytes is 64 KiB.
        var body = Encoding.UTF8.GetBytes($"{{\"text\":\"{new string('a', 70 * 1024)}\"}}");
        var uri = new Uri($"/api/rooms/{room}/messages", UriKind.Relative);

        using var declared = new ByteArrayContent(body);
        declared.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // A well-behaved client announces a large body and waits: the server refuses before the body is sent
        // (without Expect the refusal can race the upload and surface as a broken pipe instead of the 413).
        using (var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = declared })
        {
            request.Headers.ExpectContinue = true;
            using var response = await alice.Client.SendAsync(request, Cancel);
            await Json.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        }

        using var chunked = new StreamContent(new NonSeekableStream(body));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using (var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = chunked })
        {
            request.Headers.TransferEncodingChunked = true;
            request.Headers.ExpectContinue = true;
            using var response = await alice.Client.SendAsync(request, Cancel);
            await Json.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        }

        Assert.Empty((await alice.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages").EnumerateArray());
    }

    [Theory]
    [InlineData("GET", "/api/rooms")]
    [InlineData("GET", "/api/rooms/public")]
    [InlineData("POST", "/api/rooms")]
    [InlineData("GET", "/api/events")]
    [InlineData("POST", "/api/direct/someone")]
    public async Task Without_a_token_every_endpoint_is_a_401_problem(string method, string path)
    {
        using var anonymous = ApiUser.CreateCookielessClient(fixture, "gateway");
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));

        using var response = await anonymous.SendAsync(request, Cancel);

        await Json.ProblemAsync(response, HttpStatusCode.Unauthorized, "token_missing");
    }

    [Fact]
    public async Task An_unknown_api_route_is_a_404_problem()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");

        using var response = await alice.GetAsync("/api/nothing-here");

        await Json.ProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>A body whose length HttpClient cannot know, so it is sent chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
