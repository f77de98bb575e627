using ChatMesh.Chat.EventLog.Scripts;
using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>History: the current state of each message, paged by message id.</summary>
public sealed partial class RedisChatService
{
    public async Task<HistoryPage> GetHistoryAsync(string actor, string room, long? before, long? after, int limit, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        if (limit < 1 || limit > chat.MaxHistoryPage)
        {
            throw new ChatException(ChatError.InvalidArgument, $"limit must be 1 to {chat.MaxHistoryPage}.");
        }

        if (before is < 0 || after is < 0)
        {
            throw new ChatException(ChatError.InvalidArgument, "before and after must not be negative.");
        }

        var result = await RunScriptAsync(MessageScripts.History,
            [room, actor, before is { } b ? b : "", after is { } a ? a : "", limit], cancellationToken)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var items = (RedisResult[])result!;
        var messages = new List<ChatMessage>((items.Length - 1) / 2);
        for (var i = 1; i + 1 < items.Length; i += 2)
        {
            messages.Add(ParseMessage(room, (long)items[i], (RedisResult[])items[i + 1]!));
        }

        // Without `after` the page was read newest first (the page just before `before`); pages are always ascending.
        if (after is null)
        {
            messages.Reverse();
        }

        return new HistoryPage(messages, (long)items[0] == 1);
    }

    private static ChatMessage ParseMessage(string room, long id, RedisResult[] flat)
    {
        string author = "", text = "", mentions = "";
        string? attachments = null;
        long createdAt = 0, editedAt = 0, replyTo = 0;
        var deleted = false;
        Dictionary<string, IReadOnlyList<string>>? reactions = null;
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            var field = (string)flat[i]!;
            var value = (RedisValue)flat[i + 1];
            switch (field)
            {
                case ChatKeys.MessageFields.Author: author = (string)value!; break;
                case ChatKeys.MessageFields.Text: text = (string)value!; break;
                case ChatKeys.MessageFields.CreatedAt: createdAt = (long)value; break;
                case ChatKeys.MessageFields.EditedAt: editedAt = (long)value; break;
                case ChatKeys.MessageFields.Deleted: deleted = value == "1"; break;
                case ChatKeys.MessageFields.ReplyTo: replyTo = value.IsNullOrEmpty ? 0 : (long)value; break;
                case ChatKeys.MessageFields.Mentions: mentions = (string)value!; break;
                case ChatKeys.MessageFields.Attachments: attachments = value; break;
                default:
                    if (field.StartsWith(ChatKeys.MessageFields.ReactionPrefix, StringComparison.Ordinal))
                    {
                        reactions ??= new(StringComparer.Ordinal);
                        reactions[field[2..]] = ((string)value!).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    }

                    break;
            }
        }

        return new ChatMessage(id, room, author, text, DateTimeOffset.FromUnixTimeMilliseconds(createdAt),
            editedAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(editedAt), deleted, replyTo == 0 ? null : replyTo,
            mentions.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            (IReadOnlyDictionary<string, IReadOnlyList<string>>?)reactions ?? EmptyReactions,
            deleted ? [] : ParseAttachments(attachments));
    }

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> EmptyReactions =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
}
