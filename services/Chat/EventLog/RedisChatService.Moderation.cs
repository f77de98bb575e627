using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog.Scripts;
using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>Roles and moderation: every rule is checked in the script that writes the event (docs/protocol.md, "Moderation").</summary>
public sealed partial class RedisChatService
{
    public async Task<CommitResult> SetRoleAsync(string actor, string room, string user, RoomRole role, CancellationToken cancellationToken)
    {
        RequireTarget(actor, room, user);
        var name = role switch
        {
            RoomRole.Moderator => "moderator",
            RoomRole.Member => "member",
            _ => throw new ChatException(ChatError.InvalidArgument, "role must be 'moderator' or 'member'; a room has one owner, its creator."),
        };
        var updated = EventJsonBuilder.Start(ChatEventTypes.RoleUpdated, room, actor, Now());
        updated.Data.WriteString("user"u8, user);
        updated.Data.WriteString("role"u8, name);
        var result = await EvalAsync(ModerationScripts.SetRole, [room, actor, user, name, updated.Finish().Json], cancellationToken)
            .ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.RoleUpdated, room, null);
    }

    public async Task<CommitResult> KickAsync(string actor, string room, string user, CancellationToken cancellationToken)
    {
        RequireTarget(actor, room, user);
        var now = Now();
        var result = await EvalAsync(ModerationScripts.Kick,
            [room, actor, user, Removal(room, actor, user, "kicked", now, personal: false), Removal(room, actor, user, "kicked", now, personal: true)],
            cancellationToken).ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MemberLeft, room, null);
    }

    public async Task<CommitResult> BanAsync(string actor, string room, string user, CancellationToken cancellationToken)
    {
        RequireTarget(actor, room, user);
        var now = Now();
        // One builder per thread: each body is finished before the next starts.
        var left = Removal(room, actor, user, "banned", now, personal: false);
        var copy = Removal(room, actor, user, "banned", now, personal: true);
        var banned = EventJsonBuilder.Start(ChatEventTypes.MemberBanned, room, actor, now);
        banned.Data.WriteString("user"u8, user);
        var result = await EvalAsync(ModerationScripts.Ban, [room, actor, user, left, copy, banned.Finish().Json], cancellationToken)
            .ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MemberBanned, room, null);
    }

    public async Task<CommitResult> UnbanAsync(string actor, string room, string user, CancellationToken cancellationToken)
    {
        RequireTarget(actor, room, user);
        var unbanned = EventJsonBuilder.Start(ChatEventTypes.MemberUnbanned, room, actor, Now());
        unbanned.Data.WriteString("user"u8, user);
        var result = await EvalAsync(ModerationScripts.Unban, [room, actor, user, unbanned.Finish().Json], cancellationToken).ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MemberUnbanned, room, null);
    }

    public async Task<IReadOnlyList<string>> GetBansAsync(string actor, string room, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        // A read: no replica wait.
        var result = await RunScriptAsync(ModerationScripts.Bans, [room, actor], cancellationToken).ConfigureAwait(false);
        var users = ((RedisResult[])result!).Select(r => (string)r!).ToList();
        users.Sort(StringComparer.Ordinal);
        return users;
    }

    public async Task<CommitResult> UpdateRoomAsync(string actor, string room, RoomChanges changes, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes is { Name: null, Topic: null, ReadOnly: null, SlowModeSeconds: null })
        {
            throw new ChatException(ChatError.InvalidArgument, "nothing to change: give name, topic, readOnly or slowModeSeconds.");
        }

        var name = changes.Name?.Trim();
        if (name is { Length: 0 } || name?.Length > chat.MaxRoomNameLength)
        {
            throw new ChatException(ChatError.InvalidArgument, $"name must be 1 to {chat.MaxRoomNameLength} characters.");
        }

        var topic = changes.Topic?.Trim();
        if (topic?.Length > chat.MaxTopicLength)
        {
            throw new ChatException(ChatError.InvalidArgument, $"topic must be at most {chat.MaxTopicLength} characters.");
        }

        if (changes.SlowModeSeconds is < 0 || changes.SlowModeSeconds > chat.MaxSlowModeSeconds)
        {
            throw new ChatException(ChatError.InvalidArgument, $"slowModeSeconds must be 0 (off) to {chat.MaxSlowModeSeconds}.");
        }

        var updated = EventJsonBuilder.Start(ChatEventTypes.RoomUpdated, room, actor, Now());
        if (name is not null)
        {
            updated.Data.WriteString("name"u8, name);
        }

        if (topic is not null)
        {
            if (topic.Length == 0)
            {
                updated.Data.WriteNull("topic"u8);
            }
            else
            {
                updated.Data.WriteString("topic"u8, topic);
            }
        }

        if (changes.ReadOnly is { } readOnly)
        {
            updated.Data.WriteBoolean("readOnly"u8, readOnly);
        }

        if (changes.SlowModeSeconds is { } slow)
        {
            updated.Data.WriteNumber("slowModeSeconds"u8, slow);
        }

        RedisValue[] args =
        [
            room, actor, name ?? "", topic is null ? "0" : "1", topic ?? "",
            changes.ReadOnly switch { true => "1", false => "0", null => "" },
            changes.SlowModeSeconds is { } seconds ? seconds : "",
            updated.Finish().Json,
        ];
        var result = await EvalAsync(ModerationScripts.Update, args, cancellationToken).ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.RoomUpdated, room, null);
    }

    private static void RequireTarget(string actor, string room, string user)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        ChatIds.RequireUser(user, "user");
    }

    /// <summary>The member.left of a kick or ban: <c>data.user</c> first (delivery reads it), then the reason.</summary>
    private static byte[] Removal(string room, string actor, string member, string reason, DateTimeOffset now, bool personal)
    {
        var body = EventJsonBuilder.Start(ChatEventTypes.MemberLeft, room, actor, now, personal ? member : null);
        body.Data.WriteString("user"u8, member);
        body.Data.WriteString("reason"u8, reason);
        return body.Finish().Json;
    }
}
