using ChatMesh.Chat.Events;
using ChatMesh.Chat.Rooms;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// <see cref="IChatService"/> over Redis. Every write is one Lua script (one EVALSHA round trip): checks first, then the
/// global id from <c>chat:seq</c> (<see cref="ChatKeys"/>), the log append(s) and the outbox append. Reads are pipelined. Layout: docs/eventlog.md.
/// </summary>
public sealed partial class RedisChatService(IConnectionMultiplexer redis, IOptions<ChatOptions> options, TimeProvider time) : IChatService
{
    private readonly ChatOptions chat = options.Value;

    // Null unless writes must reach replicas before they are acknowledged (Chat:Durability:Replicas).
    private readonly ReplicaBarrier? replicas = options.Value.Durability.Replicas > 0 ? new ReplicaBarrier(redis, options.Value.Durability) : null;

    private IDatabase Db => redis.GetDatabase();

    public async Task<long> GetHeadAsync(CancellationToken cancellationToken)
    {
        var head = await Db.StringGetAsync(ChatKeys.Seq).WaitAsync(cancellationToken).ConfigureAwait(false);
        return head.IsNull ? 0 : (long)head;
    }

    /// <summary>Now, cut to the millisecond the wire format carries, so stored and sent times agree.</summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>
    /// Runs a write script (see <see cref="RunScriptAsync"/>) and, when configured, waits until replicas confirmed it, so
    /// the caller acknowledges only what survives a failover.
    /// </summary>
    private async Task<RedisResult> EvalAsync(string script, RedisValue[] args, CancellationToken cancellationToken)
    {
        if (replicas is null)
        {
            return await RunScriptAsync(script, args, cancellationToken).ConfigureAwait(false);
        }

        var generation = replicas.Generation;
        var result = await RunScriptAsync(script, args, cancellationToken).ConfigureAwait(false);
        await replicas.ConfirmAsync(generation).ConfigureAwait(false);

        return result;
    }

    /// <summary>Runs a script with the common limits prepended; a <c>CHAT code message</c> error becomes a <see cref="ChatException"/>.</summary>
    private async Task<RedisResult> RunScriptAsync(string script, RedisValue[] args, CancellationToken cancellationToken)
    {
        // A write is not cancelled once sent: it either commits atomically or not at all.
        cancellationToken.ThrowIfCancellationRequested();
        var all = new RedisValue[args.Length + 4];
        all[0] = chat.Retention.MaxEventsPerRoom;
        all[1] = chat.Retention.MaxEventsPerUser;
        all[2] = chat.Retention.OutboxMaxLength;
        all[3] = Telemetry.ChatTelemetry.CurrentTraceParent();
        args.CopyTo(all, 4);
        try
        {
            // StackExchange.Redis loads the script once per server and then sends EVALSHA (re-loading after a NOSCRIPT).
            return await Db.ScriptEvaluateAsync(script, null, all).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("CHAT ", StringComparison.Ordinal))
        {
            throw ToChatException(ex.Message);
        }
    }

    private static ChatException ToChatException(string message)
    {
        var rest = message.AsSpan(5);
        var space = rest.IndexOf(' ');
        var code = space < 0 ? rest : rest[..space];
        var text = space < 0 ? "" : rest[(space + 1)..].ToString();
        if (code.SequenceEqual("slow_mode"))
        {
            // "CHAT slow_mode {ms} {message}": the wait comes first so the caller can tell the client when to retry.
            var gap = text.IndexOf(' ', StringComparison.Ordinal);
            var wait = long.Parse(text.AsSpan(0, gap), provider: System.Globalization.CultureInfo.InvariantCulture);
            return new ChatException(ChatError.SlowMode, text[(gap + 1)..]) { RetryAfter = TimeSpan.FromMilliseconds(wait) };
        }

        ChatError error = code switch
        {
            "room_not_found" => ChatError.RoomNotFound,
            "room_exists" => ChatError.RoomExists,
            "not_member" => ChatError.NotMember,
            "forbidden" => ChatError.Forbidden,
            "message_not_found" => ChatError.MessageNotFound,
            "text_too_long" => ChatError.TextTooLong,
            "not_moderator" => ChatError.NotModerator,
            "not_owner" => ChatError.NotOwner,
            "outranked" => ChatError.Outranked,
            "banned" => ChatError.Banned,
            "room_read_only" => ChatError.RoomReadOnly,
            "attachment_not_found" => ChatError.AttachmentNotFound,
            _ => ChatError.InvalidArgument,
        };
        return new ChatException(error, text);
    }

    /// <summary>Reads the <c>{E, duplicate, json}</c> reply of a command script.</summary>
    private static CommitResult ToCommit(RedisResult result, string type, string? room, string? user)
    {
        var items = (RedisResult[])result!;
        var id = (long)items[0];
        if ((long)items[1] == 1)
        {
            return new CommitResult(id, true, null);
        }

        var json = (byte[])items[2]!;
        return new CommitResult(id, false, new StoredEvent(id, type, room, user, json));
    }

    private static RedisValue[] Holes(int[] holes)
    {
        var values = new RedisValue[holes.Length];
        for (var i = 0; i < holes.Length; i++)
        {
            values[i] = holes[i];
        }

        return values;
    }

    private static long ToMilliseconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static string KindName(RoomKind kind) => kind switch
    {
        RoomKind.Public => "public",
        RoomKind.Private => "private",
        _ => "direct",
    };

    private static RoomKind ParseKind(string? kind) => kind switch
    {
        "public" => RoomKind.Public,
        "private" => RoomKind.Private,
        _ => RoomKind.Direct,
    };
}
