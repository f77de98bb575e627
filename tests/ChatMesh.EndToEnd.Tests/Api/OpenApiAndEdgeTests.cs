namespace ChatMesh.EndToEnd.Tests.Api;

public sealed class OpenApiAndEdgeTests(ChatMeshAppFixture fixture)
{
    public static TheoryData<string, string> Routes => new()
    {
        { "/api/rooms", "get" },
        { "/api/rooms", "post" },
        { "/api/rooms/public", "get" },
        { "/api/rooms/{room}", "get" },
        { "/api/rooms/{room}/members", "get" },
        { "/api/rooms/{room}/presence", "get" },
        { "/api/rooms/{room}/join", "post" },
        { "/api/rooms/{room}/leave", "post" },
        { "/api/rooms/{room}/invites", "post" },
        { "/api/rooms/{room}/read", "post" },
        { "/api/rooms/{room}/typing", "post" },
        { "/api/direct/{user}", "post" },
        { "/api/rooms/{room}/messages", "get" },
        { "/api/rooms/{room}/messages", "post" },
        { "/api/rooms/{room}/messages/{id}", "patch" },
        { "/api/rooms/{room}/messages/{id}", "delete" },
        { "/api/rooms/{room}/messages/{id}/reactions/{emoji}", "put" },
        { "/api/rooms/{room}/messages/{id}/reactions/{emoji}", "delete" },
        { "/api/events", "get" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task The_openapi_document_lists_every_route_with_a_summary(string path, string method)
    {
        using var client = fixture.CreateClient("gateway");

        using var response = await client.GetAsync(new Uri("/api/openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken);

        var document = await Json.ReadAsync(response, HttpStatusCode.OK);
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()));
    }

    [Fact]
    public async Task The_api_works_through_the_web_edge()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice", resource: "web");
        var room = Names.Room("edge");

        await alice.CreateRoomAsync(room);
        var id = await alice.PostMessageAsync(room, "through the edge");

        var rooms = await alice.GetJsonAsync("/api/rooms");
        Assert.Contains(rooms.EnumerateArray(), r => r.GetProperty("room").GetProperty("id").GetString() == room);
        var history = await alice.GetJsonAsync($"/api/rooms/{room}/messages");
        Assert.Equal(id, history.GetProperty("messages")[0].GetProperty("id").GetInt64());
    }
}
