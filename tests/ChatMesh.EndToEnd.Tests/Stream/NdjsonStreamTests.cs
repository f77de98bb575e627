using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Sse;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Stream;

/// <summary><c>GET /stream</c> (NDJSON): the same event bytes and ids as SSE, resume with <c>after</c>, heartbeats, refusals, the edge.</summary>
public sealed class NdjsonStreamTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_arrive_as_lines_with_the_same_bytes_as_SSE()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "nd-recv");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture);
        await using var ndjson = await NdjsonClient.ConnectAsync(http, "/stream", alice.Token);
        await using var sse = await SseClient.ConnectAsync(http, "/sse", alice.Token);
        Assert.Equal("application/x-ndjson", ndjson.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(ndjson.Response.Headers.TransferEncodingChunked);

        var id = await alice.PostAsync(room, "one line");
        var line = await ndjson.WaitForAsync(l => NdjsonClient.Id(l) == id);
        var overSse = await sse.WaitForAsync(e => e.Id == id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(overSse.Data, line);
        Assert.Equal("message.created", NdjsonClient.Type(line));
    }

    [Fact]
    public async Task A_stream_cut_and_resumed_with_after_has_no_gap_and_no_duplicate()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "nd-cut");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture);
        List<long> sent = [];
        long lastSeen;
        await using (var first = await NdjsonClient.ConnectAsync(http, "/stream", alice.Token))
        {
            sent.Add(await alice.PostAsync(room, "a"));
            sent.Add(await alice.PostAsync(room, "b"));
            await first.WaitForAsync(l => NdjsonClient.Id(l) == sent[^1]);
            lastSeen = first.Lines.Select(NdjsonClient.Id).Where(id => id is not null).Max()!.Value;
        }

        sent.Add(await alice.PostAsync(room, "c"));
        sent.Add(await alice.PostAsync(room, "d"));
        await using var second = await NdjsonClient.ConnectAsync(http, $"/stream?after={lastSeen}", alice.Token);
        sent.Add(await alice.PostAsync(room, "e"));
        await second.WaitForAsync(l => NdjsonClient.Id(l) == sent[^1]);

        var received = second.Lines.Where(l => NdjsonClient.Type(l) == "message.created").Select(l => NdjsonClient.Id(l)!.Value).ToList();
        Assert.Equal(sent.Skip(2), received);
    }

    [Fact]
    public async Task Heartbeat_lines_arrive_and_the_types_filter_applies()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "nd-beat");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture);
        await using var ndjson = await NdjsonClient.ConnectAsync(http, "/stream?types=message.edited", alice.Token);

        var heartbeat = await ndjson.WaitForAsync(l => NdjsonClient.Type(l) == "heartbeat");
        Assert.True(JsonDocument.Parse(heartbeat).RootElement.TryGetProperty("ts", out _));

        var id = await alice.PostAsync(room, "typo");
        using (var edit = await alice.Http.PatchAsJsonAsync($"/api/rooms/{room}/messages/{id}", new { text = "fixed" }, Cancel))
        {
            edit.EnsureSuccessStatusCode();
        }

        await ndjson.WaitForAsync(l => NdjsonClient.Type(l) == "message.edited");
        Assert.DoesNotContain(ndjson.Lines, l => NdjsonClient.Type(l) == "message.created");
    }

    [Fact]
    public async Task Refusals_are_problem_details()
    {
        using var http = StreamClients.Create(fixture);
        using (var response = await http.GetAsync("/stream", Cancel))
        {
            await SseRefusalTests.AssertProblem(response, HttpStatusCode.Unauthorized, "token_missing");
        }

        using var alice = await ChatUser.SignInAsync(fixture, "nd-refuse");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stream?after=900000000000");
        request.Headers.Authorization = new("Bearer", alice.Token);
        using var future = await http.SendAsync(request, Cancel);
        await SseRefusalTests.AssertProblem(future, HttpStatusCode.BadRequest, "cursor_from_future");
    }

    [Fact]
    public async Task Ndjson_works_through_the_edge()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "nd-edge");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture, "web");
        await using var ndjson = await NdjsonClient.ConnectAsync(http, $"/stream?access_token={alice.Token}", token: null);
        var id = await alice.PostAsync(room, "edge line");
        await ndjson.WaitForAsync(l => NdjsonClient.Id(l) == id);
    }
}
