using System.Text.Json;
using ChatMesh.Chat.EventLog;
using StackExchange.Redis;

namespace ChatMesh.Notification.Notifications;

/// <summary>
/// The notification center over the user's personal log (<c>chat:user:{u}:log</c>, <see cref="ChatKeys.UserLog"/>, where
/// the chat domain writes notification.* events) and one read cursor per user (<c>chat:user:{u}:notifications:read</c>,
/// <see cref="ChatKeys.UserNotificationsRead"/>: every notification with an id up to it is read). The cursor only moves forward; nothing is written to the event log.
/// </summary>
internal sealed class NotificationStore(IConnectionMultiplexer redis, IChatService chat)
{
    private const string NotificationPrefix = "notification.";
    private const int PageSize = 256;

    // The cursor only moves forward, so two clients marking out of order never unread anything.
    private static readonly LuaScript Advance = LuaScript.Prepare("""
        local current = tonumber(redis.call('GET', @key) or '0')
        local upTo = tonumber(@upTo)
        if upTo > current then
          redis.call('SET', @key, upTo)
          return upTo
        end
        return current
        """);

    public async Task<NotificationList> ListAsync(string user, bool unreadOnly, int limit, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var readUpTo = await ReadCursorAsync(db, user);
        List<NotificationItem> items = [];
        RedisValue max = "+";
        // Newest first, a page at a time, until enough are found, the read ones start (unread only), or the log ends.
        while (items.Count < limit)
        {
            var page = await db.StreamRangeAsync(ChatKeys.UserLog(user), "-", max, PageSize, Order.Descending).WaitAsync(cancellationToken);
            foreach (var entry in page)
            {
                var id = ParseId(entry.Id);
                if (unreadOnly && id <= readUpTo)
                {
                    return new NotificationList(items, readUpTo);
                }

                var json = (byte[])entry["e"]!;
                var type = WireEvents.ReadType(json);
                if (!type.StartsWith(NotificationPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                using var document = JsonDocument.Parse(json);
                items.Add(new NotificationItem(id, type, id <= readUpTo, document.RootElement.Clone()));
                if (items.Count == limit)
                {
                    break;
                }
            }

            if (page.Length < PageSize)
            {
                break;
            }

            max = "(" + (string)page[^1].Id!;
        }

        return new NotificationList(items, readUpTo);
    }

    /// <summary>Marks every notification up to <paramref name="upTo"/> read; returns the cursor now in force.</summary>
    public async Task<long> MarkReadAsync(string user, long upTo, CancellationToken cancellationToken)
    {
        if (upTo < 0)
        {
            throw new ChatException(ChatError.InvalidArgument, "upTo must not be negative.");
        }

        var head = await chat.GetHeadAsync(cancellationToken);
        if (upTo > head)
        {
            throw new ChatException(ChatError.CursorFromFuture, $"event {upTo} is after the newest event {head}.");
        }

        var result = await Advance.EvaluateAsync(redis.GetDatabase(), new { key = ChatKeys.UserNotificationsRead(user), upTo }).WaitAsync(cancellationToken);
        return (long)result;
    }

    private static async Task<long> ReadCursorAsync(IDatabase db, string user)
    {
        var value = await db.StringGetAsync(ChatKeys.UserNotificationsRead(user));
        return value.IsNull ? 0 : (long)value;
    }

    private static long ParseId(RedisValue id)
    {
        var text = (string)id!;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return long.Parse(dash < 0 ? text : text[..dash], System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A page of notifications, newest first, and the user's read cursor.</summary>
public sealed record NotificationList(IReadOnlyList<NotificationItem> Items, long ReadUpTo);

/// <summary>One notification: its event id and type, whether it is read, and the event exactly as the streams send it.</summary>
public sealed record NotificationItem(long Id, string Type, bool Read, JsonElement Event);

/// <summary>The body of <c>POST /api/notifications/read</c>.</summary>
public sealed record MarkReadRequest(long? UpTo);

/// <summary>The answer of <c>POST /api/notifications/read</c>: the cursor now in force.</summary>
public sealed record MarkReadResponse(long ReadUpTo);
