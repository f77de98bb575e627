using ChatMesh.Chat.EventLog.Scripts;
using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// Which rooms and messages history shows a user, for readers other than the history endpoint (search): history's own
/// membership check (<c>member_of</c>, in the scripts) and its message parsing, so there is one rule.
/// </summary>
public sealed partial class RedisChatService
{
    public async Task<IReadOnlyList<string>> GetReadableRoomsAsync(string actor, string? room, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        if (room is null)
        {
            var rooms = await Db.HashKeysAsync(ChatKeys.UserRooms(actor)).WaitAsync(cancellationToken).ConfigureAwait(false);
            return [.. rooms.Select(key => (string)key!)];
        }

        ChatIds.RequireRoom(room);
        await RunScriptAsync(MessageScripts.Readable, [room, actor], cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        return [room];
    }

    public async Task<IReadOnlyList<MessageVisibility>> GetVisibleMessagesAsync(string actor, IReadOnlyList<(string Room, long MessageId)> messages,
        CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return [];
        }

        var args = new RedisValue[1 + 2 * messages.Count];
        args[0] = actor;
        for (var i = 0; i < messages.Count; i++)
        {
            var (room, id) = messages[i];
            ChatIds.RequireRoom(room);
            args[1 + 2 * i] = room;
            args[2 + 2 * i] = id;
        }

        var result = await RunScriptAsync(MessageScripts.Visible, args, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        var items = (RedisResult[])result!;
        var visible = new MessageVisibility[messages.Count];
        for (var i = 0; i < visible.Length; i++)
        {
            var item = items[i];
            if (item.Resp2Type == ResultType.Array)
            {
                var flat = (RedisResult[])item!;
                visible[i] = flat.Length == 0 ? MessageVisibility.NotInHistory : new(ParseMessage(messages[i].Room, messages[i].MessageId, flat), true);
            }
            else
            {
                visible[i] = (long)item == 1 ? MessageVisibility.NotReadable : MessageVisibility.NotInHistory;
            }
        }

        return visible;
    }
}
