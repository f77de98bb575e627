using System.Globalization;
using ChatMesh.Chat.EventLog;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Search;

/// <summary>
/// Refills an index from what history holds now: every room's message index and each live message's current text. The
/// position recorded is the log head read first, so the indexer then applies every event after it; an event between the
/// head and a room's read is applied twice, which converges (a put replaces, a delete removes) in id order.
/// </summary>
public sealed partial class SearchRebuild(IConnectionMultiplexer redis, SearchRebuildState state, ILogger<SearchRebuild> logger)
{
    private const int ScanCount = 1000;
    private const int ReadBatch = 256;

    /// <summary>For tests: awaited after each room is indexed, so a rebuild can be held while searches run.</summary>
    internal Func<CancellationToken, Task>? AfterRoom { get; init; }

    public async Task RebuildAsync(SearchIndex index, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(index);
        state.Begin();
        var started = TimeProvider.System.GetTimestamp();
        var db = redis.GetDatabase();
        var head = (long?)await db.StringGetAsync(ChatKeys.Seq).WaitAsync(cancellationToken).ConfigureAwait(false) ?? 0;
        index.Clear();
        long rooms = 0, messages = 0;
        var cursor = "0";
        do
        {
            // SCAN through the database (not IServer): it goes to the primary in every topology, Sentinel included.
            var reply = await db.ExecuteAsync("SCAN", cursor, "MATCH", ChatKeys.RoomPrefix + "*" + ChatKeys.MessagesSuffix,
                "COUNT", ScanCount.ToString(CultureInfo.InvariantCulture), "TYPE", "zset").WaitAsync(cancellationToken).ConfigureAwait(false);
            cursor = (string)reply[0]!;
            foreach (var key in (RedisKey[])reply[1]!)
            {
                var name = (string)key!;
                var room = name[ChatKeys.RoomPrefix.Length..^ChatKeys.MessagesSuffix.Length];
                var indexed = await IndexRoomAsync(db, index, room, cancellationToken).ConfigureAwait(false);
                state.Indexed(indexed);
                messages += indexed;
                rooms++;
                if (AfterRoom is { } afterRoom)
                {
                    await afterRoom(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        while (cursor != "0");

        index.EndRebuild(head);
        state.End();
        LogRebuilt(rooms, messages, head, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
    }

    private static async Task<long> IndexRoomAsync(IDatabase db, SearchIndex index, string room, CancellationToken cancellationToken)
    {
        var ids = await db.SortedSetRangeByRankAsync(ChatKeys.Messages(room)).WaitAsync(cancellationToken).ConfigureAwait(false);
        long indexed = 0;
        foreach (var chunk in ids.Chunk(ReadBatch))
        {
            var reads = chunk.Select(id => (Id: (long)id, Fields: db.HashGetAsync(ChatKeys.Message(room, (long)id), MessageState.Fields))).ToList();
            await Task.WhenAll(reads.Select(read => read.Fields)).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (id, fields) in reads)
            {
                var state = MessageState.From(await fields.ConfigureAwait(false));
                if (state is { Deleted: false, Text.Length: > 0 })
                {
                    index.Put(id, room, state.Author, state.Text);
                    indexed++;
                }
            }
        }

        return indexed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search index rebuilt from history: {Rooms} rooms, {Messages} messages, at log position {Head}, in {ElapsedMs:F0} ms")]
    private partial void LogRebuilt(long rooms, long messages, long head, double elapsedMs);
}

/// <summary>A message hash as the rebuild reads it (<see cref="Fields"/>); null when the message is gone from history.</summary>
internal sealed record MessageState(string Author, string Text, bool Deleted)
{
    /// <summary>The fields read: author, text, deleted.</summary>
    public static readonly RedisValue[] Fields = [ChatKeys.MessageFields.Author, ChatKeys.MessageFields.Text, ChatKeys.MessageFields.Deleted];

    public static MessageState? From(RedisValue[] fields) => fields[0].IsNull
        ? null
        : new MessageState((string)fields[0]!, (string?)fields[1] ?? "", fields[2] == "1");
}
