using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>Roles, kick, ban, room settings and slow mode through the client's methods, against the real services through the edge.</summary>
public sealed class ClientModerationTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(ChatChannel.WebSocket)]
    [InlineData(ChatChannel.ServerSentEvents)]
    [InlineData(ChatChannel.LongPolling)]
    public async Task A_kicked_and_then_banned_member_stops_receiving_the_room_on_its_stream(ChatChannel channel)
    {
        await using var owner = await SignInAsync(fixture, "owner");
        await using var carol = await SignInAsync(fixture, "carol", channel);
        var room = (await owner.CreateRoomAsync(ChatUser.UniqueName("kick"), "kick me", cancellationToken: Cancel)).Id;
        // A second room carol stays in: its messages prove her stream is still live (events come in id order).
        var other = (await owner.CreateRoomAsync(ChatUser.UniqueName("other"), "still here", cancellationToken: Cancel)).Id;
        await carol.JoinAsync(room, Cancel);
        await carol.JoinAsync(other, Cancel);
        await carol.StartAsync(cancellationToken: Cancel);
        var user = carol.UserId!;

        var before = await owner.SendAsync(room, "before the kick", Cancel);
        var kicked = await owner.KickAsync(room, user, Cancel);
        await owner.SendAsync(room, "after the kick", Cancel);
        var marker = await owner.SendAsync(other, "marker one", Cancel);
        var received = await EventsUntilAsync(carol, marker);
        Assert.Contains(received, e => e.Id == before);
        AssertRemoved(received, kicked, room, user, "kicked");
        Assert.Equal("not_member", (await Assert.ThrowsAsync<ChatMeshException>(() => carol.SendAsync(room, "let me talk", Cancel))).Code);

        // A kick is not a ban: she may come back, and is removed again by the ban.
        await carol.JoinAsync(room, Cancel);
        var welcome = await owner.SendAsync(room, "welcome back", Cancel);
        var banned = await owner.BanAsync(room, user, Cancel);
        await owner.SendAsync(room, "after the ban", Cancel);
        marker = await owner.SendAsync(other, "marker two", Cancel);
        received = await EventsUntilAsync(carol, marker);
        Assert.Contains(received, e => e.Id == welcome);
        // The room's member.left comes first, then its personal copy; the member.banned after them is not hers to see.
        var left = received.First(e => e is { Type: "member.left" } && e.Room == room && e.Actor == owner.UserId);
        Assert.True(left.Id < banned, "the ban's member.left comes before its member.banned");
        Assert.DoesNotContain(received, e => e.Id == banned);
        AssertRemoved(received, left.Id, room, user, "banned");
        Assert.Equal([user], await owner.GetBansAsync(room, Cancel));
        Assert.Equal(0, await owner.BanAsync(room, user, Cancel));

        var refused = await Assert.ThrowsAsync<ChatMeshException>(() => carol.JoinAsync(room, Cancel));
        Assert.Equal(("banned", 403), (refused.Code, refused.Status));
        Assert.True(await owner.UnbanAsync(room, user, Cancel) > banned);
        Assert.Empty(await owner.GetBansAsync(room, Cancel));
        await carol.JoinAsync(room, Cancel);
        var again = await owner.SendAsync(room, "unbanned", Cancel);
        Assert.Equal("unbanned", Assert.Single(await MessagesAsync(carol, room, 1), e => e.Id == again).Text);
    }

    [Fact]
    public async Task Moderators_rename_set_the_topic_delete_others_messages_and_make_the_room_read_only()
    {
        await using var owner = await SignInAsync(fixture, "owner");
        await using var bob = await SignInAsync(fixture, "bob");
        await using var carol = await SignInAsync(fixture, "carol");
        var room = (await owner.CreateRoomAsync(ChatUser.UniqueName("mod"), "before", topic: "old topic", cancellationToken: Cancel)).Id;
        await bob.JoinAsync(room, Cancel);
        await carol.JoinAsync(room, Cancel);
        await carol.StartAsync(cancellationToken: Cancel);

        var notOwner = await Assert.ThrowsAsync<ChatMeshException>(() => bob.SetRoleAsync(room, carol.UserId!, ChatRole.Moderator, Cancel));
        Assert.Equal(("not_owner", 403), (notOwner.Code, notOwner.Status));
        var promoted = await owner.SetRoleAsync(room, bob.UserId!, ChatRole.Moderator, Cancel);
        Assert.Equal(0, await owner.SetRoleAsync(room, bob.UserId!, ChatRole.Moderator, Cancel));
        Assert.Equal([bob.UserId!], (await carol.GetRoomAsync(room, Cancel)).Moderators);

        var renamed = await bob.UpdateRoomAsync(room, new ChatRoomUpdate { Name = "after", Topic = "rules first" }, Cancel);
        var carols = await carol.SendAsync(room, "spam", Cancel);
        var deleted = await bob.DeleteAsync(room, carols, Cancel);
        var locked = await bob.UpdateRoomAsync(room, new ChatRoomUpdate { ReadOnly = true }, Cancel);

        var received = await EventsUntilAsync(carol, locked);
        Assert.Equal("moderator", Assert.Single(received, e => e.Id == promoted).Data.GetProperty("role").GetString());
        var update = Assert.Single(received, e => e.Id == renamed);
        Assert.Equal(("room.updated", "after", "rules first"), (update.Type, update.Data.GetProperty("name").GetString(), update.Data.GetProperty("topic").GetString()));
        Assert.Equal(("message.deleted", bob.UserId), (Assert.Single(received, e => e.Id == deleted).Type, Assert.Single(received, e => e.Id == deleted).Actor));
        Assert.True(Assert.Single(received, e => e.Id == locked).Data.GetProperty("readOnly").GetBoolean());

        var readOnly = await Assert.ThrowsAsync<ChatMeshException>(() => carol.SendAsync(room, "may I?", Cancel));
        Assert.Equal("room_read_only", readOnly.Code);
        Assert.True(await bob.SendAsync(room, "moderators may", Cancel) > locked);
        var state = await carol.GetRoomAsync(room, Cancel);
        Assert.Equal(("after", "rules first", true, owner.UserId), (state.Name, state.Topic, state.ReadOnly, state.Owner));
        await bob.UpdateRoomAsync(room, new ChatRoomUpdate { Topic = "", ReadOnly = false }, Cancel);
        state = await carol.GetRoomAsync(room, Cancel);
        Assert.Equal((null, false), (state.Topic, state.ReadOnly));

        // Who may do what: each refusal carries the server's code and status.
        foreach (var (action, code) in new (Func<Task>, string)[]
        {
            (() => carol.KickAsync(room, bob.UserId!, Cancel), "not_moderator"),
            (() => carol.BanAsync(room, bob.UserId!, Cancel), "not_moderator"),
            (() => carol.GetBansAsync(room, Cancel), "not_moderator"),
            (() => carol.UpdateRoomAsync(room, new ChatRoomUpdate { Name = "mine" }, Cancel), "not_moderator"),
            (() => bob.KickAsync(room, owner.UserId!, Cancel), "outranked"),
            (() => bob.BanAsync(room, owner.UserId!, Cancel), "outranked"),
        })
        {
            var refused = await Assert.ThrowsAsync<ChatMeshException>(action);
            Assert.Equal((code, 403), (refused.Code, refused.Status));
        }

        Assert.Throws<ArgumentException>(() => { _ = bob.UpdateRoomAsync(room, new ChatRoomUpdate(), Cancel); });
        Assert.Throws<ArgumentException>(() => { _ = bob.UpdateRoomAsync(room, new ChatRoomUpdate { SlowMode = TimeSpan.FromMilliseconds(1500) }, Cancel); });
    }

    [Fact]
    public async Task A_slow_mode_refusal_says_when_to_retry_on_the_WebSocket_and_over_REST_and_is_not_retried()
    {
        await using var owner = await SignInAsync(fixture, "owner");
        await using var carol = await SignInAsync(fixture, "carol");
        // Not started: its sends go over REST (POST …/messages with an Idempotency-Key).
        await using var dave = await SignInAsync(fixture, "dave");
        var room = (await owner.CreateRoomAsync(ChatUser.UniqueName("slow"), "slow", cancellationToken: Cancel)).Id;
        await carol.JoinAsync(room, Cancel);
        await dave.JoinAsync(room, Cancel);
        await carol.StartAsync(cancellationToken: Cancel);
        Assert.Equal(ChatChannel.WebSocket, carol.Channel);
        await owner.UpdateRoomAsync(room, new ChatRoomUpdate { SlowMode = TimeSpan.FromMinutes(1) }, Cancel);
        Assert.Equal(TimeSpan.FromMinutes(1), (await carol.GetRoomAsync(room, Cancel)).SlowMode);

        await carol.SendAsync(room, "carol one", Cancel);
        var overWebSocket = await Assert.ThrowsAsync<ChatMeshException>(() => carol.SendAsync(room, "carol two", Cancel));
        Assert.Equal("slow_mode", overWebSocket.Code);
        Assert.InRange(overWebSocket.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));

        await dave.SendAsync(room, "dave one", Cancel);
        var overRest = await Assert.ThrowsAsync<ChatMeshException>(() => dave.SendAsync(room, "dave two", Cancel));
        Assert.Equal(("slow_mode", 429), (overRest.Code, overRest.Status));
        Assert.InRange(overRest.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));

        // The owner is not slowed; a refused post was not retried into the room later.
        await owner.SendAsync(room, "owner one", Cancel);
        var last = await owner.SendAsync(room, "owner two", Cancel);
        var texts = (await EventsUntilAsync(carol, last)).Where(e => e is { Type: "message.created" } && e.Room == room).Select(e => e.Text);
        Assert.Equal(["carol one", "dave one", "owner one", "owner two"], texts);

        await owner.UpdateRoomAsync(room, new ChatRoomUpdate { SlowMode = TimeSpan.Zero }, Cancel);
        Assert.True(await carol.SendAsync(room, "carol two", Cancel) > last);
    }

    /// <summary>The removal's <c>member.left</c> (by the owner, with its reason) is the last the member sees of the room, apart from its personal copy.</summary>
    private static void AssertRemoved(List<ChatEvent> received, long leftId, string room, string user, string reason)
    {
        var left = Assert.Single(received, e => e.Id == leftId);
        Assert.Equal(("member.left", user, reason), (left.Type, left.Data.GetProperty("user").GetString(), left.Data.GetProperty("reason").GetString()));
        Assert.DoesNotContain(received, e => e.Room == room && e.Id > leftId && e.Type != "member.left");
    }
}
