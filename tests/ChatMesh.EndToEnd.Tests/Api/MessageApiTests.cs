using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Api;

public sealed class MessageApiTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Posted_messages_come_back_in_history_in_order_and_page_by_id()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");
        var room = Names.Room("history");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);

        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await (i % 2 == 0 ? alice : bob).PostMessageAsync(room, $"message {i}"));
        }

        var all = await bob.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Equal(ids, Ids(all));
        Assert.Equal(["message 0", "message 1", "message 2", "message 3", "message 4"],
            all.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        Assert.Equal(bob.Id, all.GetProperty("messages")[1].GetProperty("author").GetString());
        Assert.False(all.GetProperty("hasMore").GetBoolean());

        var newest = await bob.GetJsonAsync($"/api/rooms/{room}/messages?limit=2");
        Assert.Equal(ids[3..], Ids(newest));
        Assert.True(newest.GetProperty("hasMore").GetBoolean());
        var older = await bob.GetJsonAsync($"/api/rooms/{room}/messages?before={ids[3]}&limit=2");
        Assert.Equal(ids[1..3], Ids(older));
        var forward = await bob.GetJsonAsync($"/api/rooms/{room}/messages?after={ids[0]}&limit=3");
        Assert.Equal(ids[1..4], Ids(forward));
    }

    [Fact]
    public async Task Post_answers_201_with_location_and_a_repeat_with_the_same_idempotency_key_writes_nothing()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("idem");
        await alice.CreateRoomAsync(room);
        var key = Guid.NewGuid().ToString();

        using var first = await PostWithKeyAsync(alice, room, "only once", key);
        var created = await Json.ReadAsync(first, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        Assert.False(created.GetProperty("duplicate").GetBoolean());
        Assert.Equal($"/api/rooms/{room}/messages/{id}", first.Headers.Location?.OriginalString);

        using var repeat = await PostWithKeyAsync(alice, room, "only once", key);
        var duplicate = await Json.ReadAsync(repeat, HttpStatusCode.OK);
        Assert.Equal(id, duplicate.GetProperty("id").GetInt64());
        Assert.True(duplicate.GetProperty("duplicate").GetBoolean());

        var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Equal([id], Ids(history));
    }

    [Fact]
    public async Task An_idempotency_key_with_a_control_character_is_a_400_problem_and_nothing_is_written()
    {
        const string key = "tab\tinside";
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("badkey");
        await alice.CreateRoomAsync(room);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/rooms/{room}/messages", UriKind.Relative))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { text = "hi" }),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await alice.Client.SendAsync(request, Cancel);

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Empty(Ids(await alice.GetJsonAsync($"/api/rooms/{room}/messages")));
    }

    [Fact]
    public async Task A_key_longer_than_128_characters_is_refused()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("longkey");
        await alice.CreateRoomAsync(room);

        using var response = await PostWithKeyAsync(alice, room, "hi", new string('k', 129));

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Only_the_author_edits_and_the_author_or_owner_deletes()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");
        using var carol = await ApiUser.SignInAsync(fixture, "carol");
        var room = Names.Room("perms");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        await carol.JoinAsync(room);
        var bobs = await bob.PostMessageAsync(room, "bob wrote this");
        var carols = await carol.PostMessageAsync(room, "carol wrote this");

        using (var edit = await alice.SendAsync(HttpMethod.Patch, $"/api/rooms/{room}/messages/{bobs}", new { text = "hijacked" }))
        {
            await Json.ProblemAsync(edit, HttpStatusCode.Forbidden, "forbidden");
        }

        using (var edit = await bob.SendAsync(HttpMethod.Patch, $"/api/rooms/{room}/messages/{bobs}", new { text = "bob edited this" }))
        {
            Assert.True((await Json.ReadAsync(edit, HttpStatusCode.OK)).GetProperty("eventId").GetInt64() > carols);
        }

        using (var delete = await carol.SendAsync(HttpMethod.Delete, $"/api/rooms/{room}/messages/{bobs}"))
        {
            await Json.ProblemAsync(delete, HttpStatusCode.Forbidden, "forbidden");
        }

        // The room owner may delete anyone's message; the author may delete their own.
        using (var delete = await alice.SendAsync(HttpMethod.Delete, $"/api/rooms/{room}/messages/{carols}"))
        {
            await Json.ReadAsync(delete, HttpStatusCode.OK);
        }

        var history = await bob.GetJsonAsync($"/api/rooms/{room}/messages");
        var messages = history.GetProperty("messages").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetInt64());
        Assert.Equal("bob edited this", messages[bobs].GetProperty("text").GetString());
        Assert.NotEqual(JsonValueKind.Null, messages[bobs].GetProperty("editedAt").ValueKind);
        Assert.True(messages[carols].GetProperty("deleted").GetBoolean());

        using var gone = await carol.SendAsync(HttpMethod.Patch, $"/api/rooms/{room}/messages/{carols}", new { text = "back" });
        await Json.ProblemAsync(gone, HttpStatusCode.NotFound, "message_not_found");
        using var missing = await bob.SendAsync(HttpMethod.Delete, $"/api/rooms/{room}/messages/{carols + 1_000_000}");
        await Json.ProblemAsync(missing, HttpStatusCode.NotFound, "message_not_found");
    }

    [Fact]
    public async Task Reactions_are_added_and_removed_and_show_in_history()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");
        var room = Names.Room("react");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);
        var id = await alice.PostMessageAsync(room, "react to me");
        var emoji = Uri.EscapeDataString("👍");

        using (var put = await bob.SendAsync(HttpMethod.Put, $"/api/rooms/{room}/messages/{id}/reactions/{emoji}"))
        {
            Assert.True((await Json.ReadAsync(put, HttpStatusCode.OK)).GetProperty("eventId").GetInt64() > id);
        }

        var reactions = (await alice.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages")[0].GetProperty("reactions");
        Assert.Equal([bob.Id], reactions.GetProperty("👍").EnumerateArray().Select(u => u.GetString()));

        using (var delete = await bob.SendAsync(HttpMethod.Delete, $"/api/rooms/{room}/messages/{id}/reactions/{emoji}"))
        {
            await Json.ReadAsync(delete, HttpStatusCode.OK);
        }

        reactions = (await alice.GetJsonAsync($"/api/rooms/{room}/messages")).GetProperty("messages")[0].GetProperty("reactions");
        Assert.False(reactions.TryGetProperty("👍", out _));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=-5")]
    [InlineData("before=-1")]
    [InlineData("after=-1")]
    public async Task An_out_of_range_query_value_is_a_400_invalid_argument_problem(string query)
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("query");
        await alice.CreateRoomAsync(room);

        using var response = await alice.GetAsync($"/api/rooms/{room}/messages?{query}");

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
    }

    [Fact]
    public async Task An_unparsable_query_value_is_a_400_invalid_request_problem()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("query");
        await alice.CreateRoomAsync(room);

        using var response = await alice.GetAsync($"/api/rooms/{room}/messages?limit=lots");

        await Json.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    private static async Task<HttpResponseMessage> PostWithKeyAsync(ApiUser user, string room, string text, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/rooms/{room}/messages", UriKind.Relative))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { text }),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await user.Client.SendAsync(request, Cancel);
    }

    private static List<long> Ids(JsonElement page) =>
        [.. page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64())];
}
