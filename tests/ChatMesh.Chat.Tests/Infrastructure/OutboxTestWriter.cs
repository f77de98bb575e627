using System.Globalization;
using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Outbox;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>Appends events to the outbox exactly as the event log's commit script does (INCR chat:seq, XADD E-0 t r u e tp).</summary>
internal sealed class OutboxTestWriter(IDatabase database)
{
    private const string AppendScript = """
        local id = redis.call('INCR', KEYS[1])
        redis.call('XADD', KEYS[2], id .. '-0', 't', ARGV[1], 'r', ARGV[2], 'u', ARGV[3], 'e', '{"id":' .. id .. ARGV[4], 'tp', ARGV[5])
        return id
        """;

    public Task<ChatEventPublished> RoomEventAsync(
        string room, string type = ChatEventTypes.MessageCreated, string data = """{"text":"hi"}""", string? traceParent = null) =>
        AppendAsync(type, room, null, data, traceParent);

    public Task<ChatEventPublished> MemberEventAsync(string room, string type, string member) =>
        AppendAsync(type, room, null, $$"""{"user":"{{member}}"}""");

    public Task<ChatEventPublished> PersonalEventAsync(string user, string type = ChatEventTypes.NotificationMention) =>
        AppendAsync(type, null, user, """{"text":"look"}""");

    private async Task<ChatEventPublished> AppendAsync(string type, string? room, string? user, string data, string? traceParent = null)
    {
        var roomJson = room is null ? "null" : $"\"{room}\"";
        var rest = $$""","type":"{{type}}","room":{{roomJson}},"actor":"tester","ts":"2026-01-01T00:00:00Z","data":{{data}}}""";
        var id = (long)await database.ScriptEvaluateAsync(
            AppendScript, [OutboxKeys.Sequence, OutboxKeys.Stream], [type, room ?? "", user ?? "", rest, traceParent ?? ""]);
        var json = Encoding.UTF8.GetBytes("{\"id\":" + id.ToString(CultureInfo.InvariantCulture) + rest);
        return new ChatEventPublished(id, type, room, user, json, traceParent);
    }
}
