using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Api;

public sealed class EventsApiTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task Events_after_a_cursor_are_the_wire_events_in_id_order_with_head()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");
        var room = Names.Room("events");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        var start = (await bob.GetJsonAsync("/api/events?limit=1")).GetProperty("head").GetInt64();

        var first = await alice.PostMessageAsync(room, "first");
        var second = await alice.PostMessageAsync(room, "second");

        var replay = await bob.GetJsonAsync($"/api/events?after={start}");
        var events = replay.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal([first, second], events.Select(e => e.GetProperty("id").GetInt64()));
        Assert.All(events, e => Assert.Equal("message.created", e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal(room, e.GetProperty("room").GetString()));
        Assert.Equal("second", events[1].GetProperty("data").GetProperty("text").GetString());
        Assert.False(replay.GetProperty("reset").GetBoolean());
        Assert.False(replay.GetProperty("more").GetBoolean());
        Assert.True(replay.GetProperty("head").GetInt64() >= second);
    }

    [Fact]
    public async Task A_cut_batch_says_more_and_the_next_call_continues_after_its_last_id()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("more");
        await alice.CreateRoomAsync(room);
        var start = (await alice.GetJsonAsync("/api/events?limit=1")).GetProperty("head").GetInt64();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await alice.PostMessageAsync(room, $"m{i}"));
        }

        var page = await alice.GetJsonAsync($"/api/events?after={start}&limit=2");
        Assert.True(page.GetProperty("more").GetBoolean());
        var firstIds = page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        var rest = await alice.GetJsonAsync($"/api/events?after={firstIds[^1]}&limit=2");
        Assert.False(rest.GetProperty("more").GetBoolean());
        Assert.Equal(ids, firstIds.Concat(rest.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64())));
    }

    [Theory]
    [InlineData("limit=0", "invalid_argument")]
    [InlineData("limit=101", "invalid_argument")]
    [InlineData("after=-1", "invalid_argument")]
    [InlineData("after=x", "invalid_request")]
    [InlineData("after=9000000000000000000", "cursor_from_future")]
    public async Task A_bad_cursor_or_limit_is_a_400_problem(string query, string error)
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");

        using var response = await alice.GetAsync($"/api/events?{query}");

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, error);
    }
}
