using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Api;

public sealed class RoomApiTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task Creating_a_room_answers_201_with_its_location_and_summary_and_lists_it()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("create");

        using var response = await alice.PostAsync("/api/rooms", new { id = room, name = "Create test", kind = "public", topic = "hello" });

        var summary = await Json.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/rooms/{room}", response.Headers.Location?.OriginalString);
        Assert.Equal(room, summary.GetProperty("id").GetString());
        Assert.Equal("Create test", summary.GetProperty("name").GetString());
        Assert.Equal("public", summary.GetProperty("kind").GetString());
        Assert.Equal(alice.Id, summary.GetProperty("owner").GetString());
        Assert.Equal("hello", summary.GetProperty("topic").GetString());

        var got = await alice.GetJsonAsync($"/api/rooms/{room}");
        Assert.Equal(room, got.GetProperty("id").GetString());
        var mine = await alice.GetJsonAsync("/api/rooms");
        Assert.Contains(mine.EnumerateArray(), r => r.GetProperty("room").GetProperty("id").GetString() == room);
        var listed = await alice.GetJsonAsync("/api/rooms/public");
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("id").GetString() == room);
    }

    [Fact]
    public async Task Creating_an_existing_room_is_a_409_room_exists_problem()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("dup");
        await alice.CreateRoomAsync(room);

        using var response = await alice.PostAsync("/api/rooms", new { id = room, name = "again" });

        await Json.ProblemAsync(response, HttpStatusCode.Conflict, "room_exists");
    }

    [Fact]
    public async Task Join_adds_a_member_and_leave_removes_them()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");
        var room = Names.Room("join");
        await alice.CreateRoomAsync(room);

        using (var join = await bob.PostAsync($"/api/rooms/{room}/join"))
        {
            Assert.True((await Json.ReadAsync(join, HttpStatusCode.OK)).GetProperty("eventId").GetInt64() > 0);
        }

        var members = await alice.GetJsonAsync($"/api/rooms/{room}/members");
        Assert.Equal([alice.Id, bob.Id], members.EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));

        using (var leave = await bob.PostAsync($"/api/rooms/{room}/leave"))
        {
            await Json.ReadAsync(leave, HttpStatusCode.OK);
        }

        members = await alice.GetJsonAsync($"/api/rooms/{room}/members");
        Assert.Equal([alice.Id], members.EnumerateArray().Select(m => m.GetString()!));
        using var again = await bob.PostAsync($"/api/rooms/{room}/leave");
        await Json.ProblemAsync(again, HttpStatusCode.Forbidden, "not_member");
    }

    [Fact]
    public async Task A_private_room_needs_an_invitation_to_join()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");
        var room = Names.Room("private");
        await alice.CreateRoomAsync(room, "private");

        using (var refused = await bob.PostAsync($"/api/rooms/{room}/join"))
        {
            await Json.ProblemAsync(refused, HttpStatusCode.Forbidden, "forbidden");
        }

        using (var invite = await alice.PostAsync($"/api/rooms/{room}/invites", new { user = bob.Id }))
        {
            Assert.True((await Json.ReadAsync(invite, HttpStatusCode.OK)).GetProperty("eventId").GetInt64() > 0);
        }

        await bob.JoinAsync(room);
        var mine = await bob.GetJsonAsync("/api/rooms");
        Assert.Contains(mine.EnumerateArray(), r => r.GetProperty("room").GetProperty("id").GetString() == room);
        var listed = await bob.GetJsonAsync("/api/rooms/public");
        Assert.DoesNotContain(listed.EnumerateArray(), r => r.GetProperty("id").GetString() == room);
    }

    [Fact]
    public async Task A_non_member_gets_a_403_not_member_problem_for_members_and_history()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var eve = await ApiUser.SignInAsync(fixture, "eve");
        var room = Names.Room("closed");
        await alice.CreateRoomAsync(room);

        using var members = await eve.GetAsync($"/api/rooms/{room}/members");
        await Json.ProblemAsync(members, HttpStatusCode.Forbidden, "not_member");
        using var presence = await eve.GetAsync($"/api/rooms/{room}/presence");
        await Json.ProblemAsync(presence, HttpStatusCode.Forbidden, "not_member");
        using var history = await eve.GetAsync($"/api/rooms/{room}/messages");
        await Json.ProblemAsync(history, HttpStatusCode.Forbidden, "not_member");
        using var post = await eve.PostAsync($"/api/rooms/{room}/messages", new { text = "let me in" });
        await Json.ProblemAsync(post, HttpStatusCode.Forbidden, "not_member");
    }

    [Fact]
    public async Task An_unknown_room_is_a_404_room_not_found_problem()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        var room = Names.Room("missing");

        using var get = await alice.GetAsync($"/api/rooms/{room}");
        await Json.ProblemAsync(get, HttpStatusCode.NotFound, "room_not_found");
        using var join = await alice.PostAsync($"/api/rooms/{room}/join");
        await Json.ProblemAsync(join, HttpStatusCode.NotFound, "room_not_found");
    }

    [Fact]
    public async Task A_direct_room_is_opened_once_and_both_users_can_talk_in_it()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");

        using var open = await alice.PostAsync($"/api/direct/{bob.Id}");
        var direct = await Json.ReadAsync(open, HttpStatusCode.OK);
        var room = direct.GetProperty("id").GetString()!;
        Assert.Equal("direct", direct.GetProperty("kind").GetString());
        Assert.Equal($"dm:{string.Join(':', new[] { alice.Id, bob.Id }.Order(StringComparer.Ordinal))}", room);

        using var reopen = await bob.PostAsync($"/api/direct/{alice.Id}");
        Assert.Equal(room, (await Json.ReadAsync(reopen, HttpStatusCode.OK)).GetProperty("id").GetString());

        var id = await alice.PostMessageAsync(room, "psst");
        var history = await bob.GetJsonAsync($"/api/rooms/{Uri.EscapeDataString(room)}/messages");
        Assert.Equal([id], history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()));
        var bobsRooms = await bob.GetJsonAsync("/api/rooms");
        var entry = bobsRooms.EnumerateArray().Single(r => r.GetProperty("room").GetProperty("id").GetString() == room);
        Assert.Equal(1, entry.GetProperty("unread").GetInt64());
    }

    [Fact]
    public async Task Reading_resets_unread_and_mention_counts()
    {
        using var alice = await ApiUser.SignInAsync(fixture, "alice");
        using var bob = await ApiUser.SignInAsync(fixture, "bob");
        var room = Names.Room("unread");
        await alice.CreateRoomAsync(room);
        await bob.JoinAsync(room);

        await alice.PostMessageAsync(room, "one");
        await alice.PostMessageAsync(room, $"two @{bob.Id}");
        var last = await alice.PostMessageAsync(room, "three");

        var before = MyRoom(await bob.GetJsonAsync("/api/rooms"), room);
        Assert.Equal(3, before.GetProperty("unread").GetInt64());
        Assert.Equal(1, before.GetProperty("mentions").GetInt64());

        using var read = await bob.PostAsync($"/api/rooms/{room}/read", new { eventId = last });
        // The answer is the id of the read.updated event the read logged in bob's personal feed.
        Assert.True((await Json.ReadAsync(read, HttpStatusCode.OK)).GetProperty("eventId").GetInt64() > last);

        var after = MyRoom(await bob.GetJsonAsync("/api/rooms"), room);
        Assert.Equal(0, after.GetProperty("unread").GetInt64());
        Assert.Equal(0, after.GetProperty("mentions").GetInt64());
        Assert.Equal(last, after.GetProperty("lastReadEventId").GetInt64());
    }

    private static JsonElement MyRoom(JsonElement rooms, string room) =>
        rooms.EnumerateArray().Single(r => r.GetProperty("room").GetProperty("id").GetString() == room);
}
