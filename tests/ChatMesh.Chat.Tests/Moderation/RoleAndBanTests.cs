using System.Text.Json;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.Moderation;

/// <summary>Roles, kick and ban as the commit scripts enforce them, against the real redis-server.</summary>
public sealed class RoleAndBanTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    private static async Task<ChatError> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<ChatException>(action)).Error;

    private static JsonElement Data(CommitResult result) => JsonDocument.Parse(result.Event!.Json).RootElement.GetProperty("data");

    /// <summary>A public room owned by alice with bob and carol as members.</summary>
    private async Task<(string Room, string Alice, string Bob, string Carol)> RoomOfThreeAsync(string name)
    {
        var (alice, bob, carol) = (t.User("alice"), t.User("bob"), t.User("carol"));
        var room = await t.PublicRoomAsync(alice, name);
        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        await t.Chat.JoinRoomAsync(carol, room.Id, Token);
        return (room.Id, alice, bob, carol);
    }

    [Fact]
    public async Task The_creator_is_the_owner_and_grants_and_revokes_moderator()
    {
        var (room, alice, bob, _) = await RoomOfThreeAsync("roles");
        Assert.Empty((await t.Chat.GetRoomAsync(alice, room, Token)).Moderators);

        var granted = await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token);
        Assert.Equal(ChatEventTypes.RoleUpdated, granted.Event!.Type);
        Assert.Equal(bob, Data(granted).GetProperty("user").GetString());
        Assert.Equal("moderator", Data(granted).GetProperty("role").GetString());
        Assert.Equal([bob], (await t.Chat.GetRoomAsync(alice, room, Token)).Moderators);
        Assert.True((await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token)).Duplicate);

        var revoked = await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Member, Token);
        Assert.Equal("member", Data(revoked).GetProperty("role").GetString());
        Assert.Empty((await t.Chat.GetRoomAsync(alice, room, Token)).Moderators);
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.SetRoleAsync(alice, room, t.User("stranger"), RoomRole.Moderator, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.SetRoleAsync(alice, room, alice, RoomRole.Member, Token)));
    }

    [Fact]
    public async Task Neither_a_member_nor_a_moderator_can_grant_roles()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("no-grant");
        var last = (await t.Chat.GetRoomAsync(alice, room, Token)).LastEventId;
        Assert.Equal(ChatError.NotOwner, await ErrorOf(() => t.Chat.SetRoleAsync(bob, room, bob, RoomRole.Moderator, Token)));
        Assert.Equal(ChatError.NotOwner, await ErrorOf(() => t.Chat.SetRoleAsync(bob, room, carol, RoomRole.Moderator, Token)));
        await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token);
        // A moderator cannot make more moderators, nor demote another.
        Assert.Equal(ChatError.NotOwner, await ErrorOf(() => t.Chat.SetRoleAsync(bob, room, carol, RoomRole.Moderator, Token)));
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.SetRoleAsync(t.User("eve"), room, carol, RoomRole.Moderator, Token)));
        Assert.Equal([bob], (await t.Chat.GetRoomAsync(alice, room, Token)).Moderators);
        // Only the owner's grant was logged.
        var log = await t.Chat.ReplayAsync(alice, last, 100, Token);
        Assert.Equal([ChatEventTypes.RoleUpdated], log.Events.Where(e => e.Room == room).Select(e => e.Type));
    }

    [Fact]
    public async Task A_moderator_kicks_a_member_who_may_join_again()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("kick");
        await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token);

        var kicked = await t.Chat.KickAsync(bob, room, carol, Token);
        Assert.Equal(ChatEventTypes.MemberLeft, kicked.Event!.Type);
        Assert.Equal(carol, Data(kicked).GetProperty("user").GetString());
        Assert.Equal("kicked", Data(kicked).GetProperty("reason").GetString());
        Assert.Equal(bob, JsonDocument.Parse(kicked.Event.Json).RootElement.GetProperty("actor").GetString());
        Assert.False(await t.Chat.IsMemberAsync(carol, room, Token));
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.PostMessageAsync(carol, room, "still here?", null, null, Token)));
        Assert.DoesNotContain(await t.Chat.ListMyRoomsAsync(carol, Token), r => r.Room.Id == room);

        // The kicked member's personal copy, as for a leave, so their other connections drop the room too.
        var replay = await t.Chat.ReplayAsync(carol, 0, 100, Token);
        Assert.Contains(replay.Events, e => e.Type == ChatEventTypes.MemberLeft && e.User == carol);
        Assert.DoesNotContain(replay.Events, e => e.Id > kicked.EventId && e.Room == room);

        Assert.False((await t.Chat.JoinRoomAsync(carol, room, Token)).Duplicate);
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.KickAsync(bob, room, t.User("stranger"), Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.KickAsync(bob, room, bob, Token)));
    }

    [Fact]
    public async Task Members_cannot_kick_and_moderators_cannot_touch_the_owner_or_each_other()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("ranks");
        var dave = t.User("dave");
        await t.Chat.JoinRoomAsync(dave, room, Token);
        Assert.Equal(ChatError.NotModerator, await ErrorOf(() => t.Chat.KickAsync(carol, room, bob, Token)));
        Assert.Equal(ChatError.NotModerator, await ErrorOf(() => t.Chat.BanAsync(carol, room, alice, Token)));
        Assert.Equal(ChatError.NotModerator, await ErrorOf(() => t.Chat.UnbanAsync(carol, room, alice, Token)));
        Assert.Equal(ChatError.NotModerator, await ErrorOf(() => t.Chat.GetBansAsync(carol, room, Token)));

        await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token);
        await t.Chat.SetRoleAsync(alice, room, dave, RoomRole.Moderator, Token);
        Assert.Equal(ChatError.Outranked, await ErrorOf(() => t.Chat.BanAsync(bob, room, alice, Token)));
        Assert.Equal(ChatError.Outranked, await ErrorOf(() => t.Chat.KickAsync(bob, room, alice, Token)));
        Assert.Equal(ChatError.Outranked, await ErrorOf(() => t.Chat.KickAsync(bob, room, dave, Token)));
        Assert.Equal(ChatError.Outranked, await ErrorOf(() => t.Chat.BanAsync(bob, room, dave, Token)));
        Assert.True(await t.Chat.IsMemberAsync(alice, room, Token));
        Assert.True(await t.Chat.IsMemberAsync(dave, room, Token));
        Assert.Empty(await t.Chat.GetBansAsync(bob, room, Token));

        // The owner outranks a moderator; the removed moderator loses the role.
        await t.Chat.KickAsync(alice, room, dave, Token);
        Assert.Equal([bob], (await t.Chat.GetRoomAsync(alice, room, Token)).Moderators);
        await t.Chat.JoinRoomAsync(dave, room, Token);
        Assert.Equal(ChatError.NotModerator, await ErrorOf(() => t.Chat.KickAsync(dave, room, carol, Token)));
    }

    [Fact]
    public async Task A_banned_user_cannot_rejoin_by_any_path_until_unbanned()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("ban");
        await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token);

        var before = (await t.Chat.GetRoomAsync(alice, room, Token)).LastEventId;
        var banned = await t.Chat.BanAsync(bob, room, carol, Token);
        Assert.Equal(ChatEventTypes.MemberBanned, banned.Event!.Type);
        Assert.Equal(carol, Data(banned).GetProperty("user").GetString());
        var log = await t.Chat.ReplayAsync(alice, before, 10, Token);
        Assert.Equal([ChatEventTypes.MemberLeft, ChatEventTypes.MemberBanned], log.Events.Where(e => e.Room == room).Select(e => e.Type));
        var left = Assert.Single(log.Events, e => e.Type == ChatEventTypes.MemberLeft && e.Room == room);
        Assert.Equal("banned", JsonDocument.Parse(left.Json).RootElement.GetProperty("data").GetProperty("reason").GetString());
        Assert.True((await t.Chat.BanAsync(bob, room, carol, Token)).Duplicate);
        Assert.Equal([carol], await t.Chat.GetBansAsync(bob, room, Token));

        Assert.Equal(ChatError.Banned, await ErrorOf(() => t.Chat.JoinRoomAsync(carol, room, Token)));
        Assert.Equal(ChatError.Banned, await ErrorOf(() => t.Chat.InviteAsync(alice, room, carol, Token)));
        Assert.Equal(ChatError.Banned, await ErrorOf(() => t.Chat.PostMessageAsync(carol, room, "let me in", null, null, Token)));
        Assert.Equal(ChatError.Banned, await ErrorOf(() => t.Chat.PostBotMessageAsync(carol, room, "as a bot", "bot", null, Token)));
        Assert.Equal(ChatError.Banned, await ErrorOf(() => t.Chat.GetHistoryAsync(carol, room, null, null, 10, Token)));
        Assert.DoesNotContain((await t.Chat.ReplayAsync(carol, before, 100, Token)).Events, e => e.Room == room && e.Type != ChatEventTypes.MemberLeft);
        Assert.False(await t.Chat.IsMemberAsync(carol, room, Token));
        // The public room list does not offer carol a room that would refuse her; everyone else still sees it.
        Assert.DoesNotContain(await t.Chat.ListPublicRoomsAsync(carol, Token), r => r.Id == room);
        Assert.Contains(await t.Chat.ListPublicRoomsAsync(t.User("dora"), Token), r => r.Id == room);

        var unbanned = await t.Chat.UnbanAsync(bob, room, carol, Token);
        Assert.Contains(await t.Chat.ListPublicRoomsAsync(carol, Token), r => r.Id == room);
        Assert.Equal(ChatEventTypes.MemberUnbanned, unbanned.Event!.Type);
        Assert.False(await t.Chat.IsMemberAsync(carol, room, Token));
        Assert.True((await t.Chat.UnbanAsync(bob, room, carol, Token)).Duplicate);
        await t.Chat.JoinRoomAsync(carol, room, Token);
        Assert.True(await t.Chat.IsMemberAsync(carol, room, Token));
    }

    [Fact]
    public async Task A_ban_ahead_of_joining_and_a_private_room_invitation_are_both_refused()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = (await t.Chat.CreateRoomAsync(alice, t.Room("private"), "Private", RoomKind.Private, null, Token)).Id;
        await t.Chat.InviteAsync(alice, room, bob, Token);
        // An invitation outstanding when the ban lands is void.
        await t.Chat.BanAsync(alice, room, bob, Token);
        Assert.Equal(ChatError.Banned, await ErrorOf(() => t.Chat.JoinRoomAsync(bob, room, Token)));
        await t.Chat.UnbanAsync(alice, room, bob, Token);
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.JoinRoomAsync(bob, room, Token)));
    }

    [Fact]
    public async Task A_ban_racing_a_join_leaves_the_user_out_whichever_runs_first()
    {
        var (room, alice, _, _) = await RoomOfThreeAsync("race");
        var eve = t.User("eve");
        var join = Task.Run(() => t.Chat.JoinRoomAsync(eve, room, Token));
        var ban = Task.Run(() => t.Chat.BanAsync(alice, room, eve, Token));
        await ban;
        try
        {
            await join;
        }
        catch (ChatException ex) when (ex.Error == ChatError.Banned)
        {
        }

        Assert.False(await t.Chat.IsMemberAsync(eve, room, Token));
        Assert.Equal(ChatError.Banned, await ErrorOf(() => t.Chat.JoinRoomAsync(eve, room, Token)));
    }

    [Fact]
    public async Task Moderators_and_the_owner_delete_others_messages_members_only_their_own()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("delete");
        var byAlice = await t.Chat.PostMessageAsync(alice, room, "from the owner", null, null, Token);
        var byCarol = await t.Chat.PostMessageAsync(carol, room, "spam", null, null, Token);
        var again = await t.Chat.PostMessageAsync(carol, room, "more spam", null, null, Token);

        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.DeleteMessageAsync(bob, room, byCarol.EventId, Token)));
        await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token);
        var deleted = await t.Chat.DeleteMessageAsync(bob, room, byCarol.EventId, Token);
        Assert.Equal(ChatEventTypes.MessageDeleted, deleted.Event!.Type);
        await t.Chat.DeleteMessageAsync(alice, room, again.EventId, Token);
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.DeleteMessageAsync(carol, room, byAlice.EventId, Token)));

        var page = await t.Chat.GetHistoryAsync(carol, room, null, null, 10, Token);
        Assert.All(page.Messages.Where(m => m.Author == carol), m => Assert.True(m.Deleted));
        Assert.False(Assert.Single(page.Messages, m => m.Author == alice).Deleted);
    }

    [Fact]
    public async Task A_direct_room_has_no_moderation()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var dm = await t.Chat.OpenDirectAsync(alice, bob, Token);
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.KickAsync(dm.Owner, dm.Id, dm.Owner == alice ? bob : alice, Token)));
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.BanAsync(dm.Owner, dm.Id, dm.Owner == alice ? bob : alice, Token)));
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.SetRoleAsync(dm.Owner, dm.Id, dm.Owner == alice ? bob : alice, RoomRole.Moderator, Token)));
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.UpdateRoomAsync(dm.Owner, dm.Id, new RoomChanges(ReadOnly: true), Token)));
    }

    [Fact]
    public async Task Leaving_drops_the_moderator_role()
    {
        var (room, alice, bob, carol) = await RoomOfThreeAsync("leave-role");
        await t.Chat.SetRoleAsync(alice, room, bob, RoomRole.Moderator, Token);
        var left = await t.Chat.LeaveRoomAsync(bob, room, Token);
        Assert.Equal("left", Data(left).GetProperty("reason").GetString());
        await t.Chat.JoinRoomAsync(bob, room, Token);
        Assert.Empty((await t.Chat.GetRoomAsync(alice, room, Token)).Moderators);
        Assert.Equal(ChatError.NotModerator, await ErrorOf(() => t.Chat.KickAsync(bob, room, carol, Token)));
    }
}
