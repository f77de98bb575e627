using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Support;
using StackExchange.Redis;

namespace ChatMesh.EndToEnd.Tests.Sse;

/// <summary>Every refusal of <c>/sse</c> is a problem-details answer before the stream starts; resets, caps and the edge.</summary>
public sealed class SseRefusalTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_token_is_401_problem_details()
    {
        using var http = StreamClients.Create(fixture);
        using var request = SseClient.Request("/sse", token: null);
        using var response = await http.SendAsync(request, Cancel);
        await AssertProblem(response, HttpStatusCode.Unauthorized, "token_missing");
    }

    [Fact]
    public async Task A_query_token_is_accepted()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-query");
        using var http = StreamClients.Create(fixture);
        await using var sse = await SseClient.ConnectAsync(http, $"/sse?access_token={alice.Token}", token: null);
        Assert.Equal(alice.Name, JsonDocument.Parse(sse.Events[0].Data).RootElement.GetProperty("user").GetString());
    }

    [Fact]
    public async Task Filtering_on_a_room_of_others_is_403_not_member()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-own");
        using var mallory = await ChatUser.SignInAsync(fixture, "sse-mal");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture);
        using var request = SseClient.Request($"/sse?rooms={room}", mallory.Token);
        using var response = await http.SendAsync(request, Cancel);
        await AssertProblem(response, HttpStatusCode.Forbidden, "not_member");
    }

    [Theory]
    [InlineData("/sse?types=message.created,no.such.type")]
    [InlineData("/sse?after=-1")]
    [InlineData("/sse?typing=maybe")]
    public async Task Bad_arguments_are_400_invalid_argument(string path)
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-bad");
        using var http = StreamClients.Create(fixture);
        using var request = SseClient.Request(path, alice.Token);
        using var response = await http.SendAsync(request, Cancel);
        await AssertProblem(response, HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task A_cursor_from_the_future_is_400_before_the_stream_starts()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-future");
        using var http = StreamClients.Create(fixture);
        using var request = SseClient.Request("/sse", alice.Token, lastEventId: "900000000000");
        using var response = await http.SendAsync(request, Cancel);
        await AssertProblem(response, HttpStatusCode.BadRequest, "cursor_from_future");
    }

    [Fact]
    public async Task Streams_beyond_the_per_user_cap_are_429()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-cap");
        using var http = StreamClients.Create(fixture);
        List<SseClient> open = [];
        try
        {
            for (var i = 0; i < NotificationOverrides.MaxStreamsPerUser; i++)
            {
                open.Add(await SseClient.ConnectAsync(http, "/sse", alice.Token));
            }

            using var request = SseClient.Request("/sse", alice.Token);
            using var response = await http.SendAsync(request, Cancel);
            await AssertProblem(response, (HttpStatusCode)429, "too_many_connections");
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Resuming_beyond_retention_gets_a_reset()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-reset");
        var room = await alice.CreateRoomAsync();
        var first = await alice.PostAsync(room, "soon trimmed");
        await alice.PostAsync(room, "kept");

        // Trimming a room log past `first` is what raises its floor; raising it directly avoids posting 10,000 messages.
        var connectionString = await fixture.App.GetConnectionStringAsync("redis", Cancel);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(connectionString!))
        {
            await redis.GetDatabase().HashSetAsync($"chat:room:{room}", "floor", first + 1);
        }

        using var http = StreamClients.Create(fixture);
        await using var sse = await SseClient.ConnectAsync(http, "/sse", alice.Token, lastEventId: first.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var reset = sse.Events.Single(e => e.Type == "reset");
        var data = JsonDocument.Parse(reset.Data).RootElement;
        Assert.Equal("beyond_retention", data.GetProperty("reason").GetString());
        Assert.True(data.GetProperty("head").GetInt64() > first);
        Assert.Null(reset.Id);
        Assert.Empty(SseDeliveryTests.MessageIds(sse.Events, room));

        // Live delivery goes on after the reset.
        var live = await alice.PostAsync(room, "live after reset");
        await sse.WaitForAsync(e => e.Id == live.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Sse_works_through_the_edge()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-edge");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture, "web");
        await using var sse = await SseClient.ConnectAsync(http, $"/sse?access_token={alice.Token}", token: null);
        var id = await alice.PostAsync(room, "through the edge");
        var received = await sse.WaitForAsync(e => e.Id == id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("message.created", received.Type);
    }

    [Theory]
    [InlineData("/sse")]
    [InlineData("/stream?types=message.created")]
    public async Task The_README_curl_examples_follow_the_chat_through_the_edge(string pathAndQuery)
    {
        using var alice = await ChatUser.SignInAsync(fixture, "curl");
        var room = await alice.CreateRoomAsync();
        var edge = fixture.App.GetEndpoint("web", "http");
        // The README's one-liners (curl -N -H "Authorization: Bearer $TOKEN" …), with the edge's test port.
        using var curl = Process.Start(new ProcessStartInfo("curl", ["-N", "-s", "-H", $"Authorization: Bearer {alice.Token}", new Uri(edge, pathAndQuery).ToString()])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            List<string> lines = [];
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            long? id = null;
            while (await curl.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                lines.Add(line);
                if (id is null && (line == "event: subscribed" || line.StartsWith("{\"type\":\"subscribed\"", StringComparison.Ordinal)))
                {
                    id = await alice.PostAsync(room, "seen by curl");
                }

                if (id is not null && (line == $"id: {id}" || (line.StartsWith('{') && NdjsonClient.Id(line) == id)))
                {
                    break;
                }
            }

            Assert.NotNull(id);
            Assert.Contains(lines, line => line == $"id: {id}" || (line.StartsWith('{') && NdjsonClient.Id(line) == id));
        }
        finally
        {
            curl.Kill();
            await curl.WaitForExitAsync(Cancel);
        }
    }

    internal static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(error, problem.GetProperty("error").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }
}
