using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.EventLog;
using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.Rooms;

public sealed class RoomTests(RedisServerFixture redis)
{
    private readonly ChatTestContext t = new(redis);

    private static CancellationToken Token => ChatTestContext.Token;

    private static async Task<ChatError> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<ChatException>(action)).Error;

    [Fact]
    public async Task Creating_a_room_makes_the_creator_its_only_member()
    {
        var alice = t.User("alice");
        var room = await t.Chat.CreateRoomAsync(alice, t.Room("general"), " General ", RoomKind.Public, "chit-chat", Token);

        Assert.Equal(t.Room("general"), room.Id);
        Assert.Equal("General", room.Name);
        Assert.Equal(RoomKind.Public, room.Kind);
        Assert.Equal(alice, room.Owner);
        Assert.Equal("chit-chat", room.Topic);
        Assert.Equal(1, room.MemberCount);
        Assert.Equal(0, room.MessageCount);
        Assert.True(room.LastEventId > 0);
        Assert.Equal([alice], await t.Chat.GetMembersAsync(alice, room.Id, Token));
        Assert.Contains(await t.Chat.ListPublicRoomsAsync(alice, Token), r => r.Id == room.Id);
        var mine = Assert.Single(await t.Chat.ListMyRoomsAsync(alice, Token));
        Assert.Equal(room.Id, mine.Room.Id);
        Assert.Equal(0, mine.Unread);
    }

    [Fact]
    public async Task Room_ids_names_and_kinds_are_validated()
    {
        var alice = t.User("alice");
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.CreateRoomAsync(alice, "Bad Id", "x", RoomKind.Public, null, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.CreateRoomAsync(alice, t.Room("x"), "  ", RoomKind.Public, null, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.CreateRoomAsync(alice, t.Room("x"), "x", RoomKind.Direct, null, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.CreateRoomAsync("not a user", t.Room("x"), "x", RoomKind.Public, null, Token)));

        await t.PublicRoomAsync(alice, "dup");
        Assert.Equal(ChatError.RoomExists, await ErrorOf(() => t.PublicRoomAsync(t.User("bob"), "dup")));
    }

    [Fact]
    public async Task Anyone_joins_a_public_room_once_and_may_leave_it()
    {
        var (alice, bob) = (t.User("alice"), t.User("bob"));
        var room = await t.PublicRoomAsync(alice, "lobby");

        var joined = await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        Assert.False(joined.Duplicate);
        Assert.Equal(ChatEventTypes.MemberJoined, joined.Event!.Type);
        var again = await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        Assert.True(again.Duplicate);
        Assert.Equal(joined.EventId, again.EventId);
        Assert.Equal([alice, bob], (await t.Chat.GetMembersAsync(alice, room.Id, Token)).Order(StringComparer.Ordinal));

        var left = await t.Chat.LeaveRoomAsync(bob, room.Id, Token);
        Assert.True(left.EventId > joined.EventId);
        Assert.Equal(1, (await t.Chat.GetRoomAsync(alice, room.Id, Token)).MemberCount);
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.LeaveRoomAsync(bob, room.Id, Token)));
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.GetMembersAsync(bob, room.Id, Token)));
        Assert.Equal(ChatError.RoomNotFound, await ErrorOf(() => t.Chat.JoinRoomAsync(bob, t.Room("nowhere"), Token)));
    }

    [Fact]
    public async Task A_private_room_needs_an_invitation_from_a_member()
    {
        var (alice, bob, carol) = (t.User("alice"), t.User("bob"), t.User("carol"));
        var room = await t.Chat.CreateRoomAsync(alice, t.Room("secret"), "Secret", RoomKind.Private, null, Token);
        Assert.DoesNotContain(await t.Chat.ListPublicRoomsAsync(alice, Token), r => r.Id == room.Id);

        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.JoinRoomAsync(bob, room.Id, Token)));
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.GetRoomAsync(bob, room.Id, Token)));
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.InviteAsync(carol, room.Id, bob, Token)));
        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.InviteAsync(alice, room.Id, alice, Token)));

        var invited = await t.Chat.InviteAsync(alice, room.Id, bob, Token);
        Assert.Equal(ChatEventTypes.MemberInvited, invited.Event!.Type);
        Assert.Equal(room.Id, (await t.Chat.GetRoomAsync(bob, room.Id, Token)).Id);
        var replay = await t.Chat.ReplayAsync(bob, 0, 100, Token);
        var notification = Assert.Single(replay.Events);
        Assert.Equal(ChatEventTypes.NotificationInvite, notification.Type);
        Assert.Equal(bob, notification.User);

        await t.Chat.JoinRoomAsync(bob, room.Id, Token);
        // Members may invite too.
        await t.Chat.InviteAsync(bob, room.Id, carol, Token);
        await t.Chat.JoinRoomAsync(carol, room.Id, Token);
        Assert.Equal(3, (await t.Chat.GetRoomAsync(alice, room.Id, Token)).MemberCount);
    }

    [Fact]
    public async Task A_direct_room_is_opened_once_for_exactly_two_users()
    {
        var (alice, bob, carol) = (t.User("alice"), t.User("bob"), t.User("carol"));
        var first = await t.Chat.OpenDirectAsync(bob, alice, Token);
        var second = await t.Chat.OpenDirectAsync(alice, bob, Token);

        Assert.Equal(ChatIds.DirectRoomId(alice, bob), first.Id);
        Assert.StartsWith("dm:", first.Id, StringComparison.Ordinal);
        Assert.Equal(first, second);
        Assert.Equal(RoomKind.Direct, first.Kind);
        Assert.Equal(2, first.MemberCount);
        Assert.Equal([alice, bob], (await t.Chat.GetMembersAsync(alice, first.Id, Token)).Order(StringComparer.Ordinal));

        Assert.Equal(ChatError.InvalidArgument, await ErrorOf(() => t.Chat.OpenDirectAsync(alice, alice, Token)));
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.LeaveRoomAsync(alice, first.Id, Token)));
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.JoinRoomAsync(carol, first.Id, Token)));
        Assert.Equal(ChatError.Forbidden, await ErrorOf(() => t.Chat.InviteAsync(alice, first.Id, carol, Token)));
        Assert.Equal(ChatError.NotMember, await ErrorOf(() => t.Chat.GetRoomAsync(carol, first.Id, Token)));
        Assert.Contains(await t.Chat.ListMyRoomsAsync(bob, Token), r => r.Room.Id == first.Id);
    }
}
