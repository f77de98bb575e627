using ChatMesh.Chat.Events;
using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// Resume: fan-out on read. What a user missed after <c>after</c> is the id-ordered merge of the personal log and of each
/// room log over the spans in which the user was a member, known from the membership index. Two pipelined round trips.
/// Everything is cut at the head read first: every event up to it was committed whole before the reads (scripts are
/// atomic), so a join, leave or post racing with the replay can only add ids above the head, which live delivery brings.
/// </summary>
public sealed partial class RedisChatService
{
    public async Task<Replay> ReplayAsync(string actor, long after, int limit, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        if (after < 0)
        {
            throw new ChatException(ChatError.InvalidArgument, "after must not be negative.");
        }

        if (limit < 1 || limit > chat.MaxReplayPage)
        {
            throw new ChatException(ChatError.InvalidArgument, $"limit must be 1 to {chat.MaxReplayPage}.");
        }

        var db = Db;
        var start = StreamId(after + 1);
        var batch = db.CreateBatch();
        var headTask = batch.StringGetAsync(ChatKeys.Seq);
        var roomsTask = batch.HashGetAllAsync(ChatKeys.UserRooms(actor));
        var floorsTask = batch.HashGetAsync(ChatKeys.User(actor), ["floor", "mfloor"]);
        var personalTask = batch.StreamRangeAsync(ChatKeys.UserLog(actor), start, "+", limit + 1);
        // Membership changes are rare and the index is capped, so it is read whole from `after` on; entries above the
        // head still tell correctly whether the user was a member before them.
        var membershipTask = batch.StreamRangeAsync(ChatKeys.UserMemberships(actor), start, "+");
        batch.Execute();
        await Task.WhenAll(headTask, roomsTask, floorsTask, personalTask, membershipTask).WaitAsync(cancellationToken).ConfigureAwait(false);

        var headValue = await headTask.ConfigureAwait(false);
        var head = headValue.IsNull ? 0 : (long)headValue;
        if (after > head)
        {
            throw new ChatException(ChatError.CursorFromFuture, $"event {after} is after the newest event {head}.");
        }

        var floors = await floorsTask.ConfigureAwait(false);
        var reset = Floor(floors[0]) > after || Floor(floors[1]) > after;

        List<StoredEvent> events = new(limit + 1);
        foreach (var entry in await personalTask.ConfigureAwait(false))
        {
            if (ParseStreamId(entry.Id) > head)
            {
                break;
            }

            events.Add(ToStoredEvent(entry, room: null, user: actor));
        }

        var spans = MembershipSpans(after, head, await roomsTask.ConfigureAwait(false), await membershipTask.ConfigureAwait(false));
        if (spans.Count > 0)
        {
            batch = db.CreateBatch();
            var reads = spans.Select(s => (Span: s,
                Floor: batch.HashGetAsync(ChatKeys.Room(s.Room), "floor"),
                Entries: batch.StreamRangeAsync(ChatKeys.Room(s.Room, "log"), StreamId(s.From), StreamId(s.To), limit + 1)))
                .ToList();
            batch.Execute();
            await Task.WhenAll(reads.Select(r => (Task)r.Entries).Concat(reads.Select(r => r.Floor))).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (span, floor, entries) in reads)
            {
                reset |= Floor(await floor.ConfigureAwait(false)) >= span.From;
                foreach (var entry in await entries.ConfigureAwait(false))
                {
                    events.Add(ToStoredEvent(entry, span.Room, user: null));
                }
            }
        }

        events.Sort(static (x, y) => x.Id.CompareTo(y.Id));
        var more = events.Count > limit;
        if (more)
        {
            events.RemoveRange(limit, events.Count - limit);
        }

        return new Replay(events, reset, more, head);
    }

    /// <summary>One stretch [From, To] of a room's log the user could see, cut at the head.</summary>
    private readonly record struct MembershipSpan(string Room, long From, long To);

    /// <summary>
    /// Rebuilds, per room, when the user was a member after <paramref name="after"/>: the first index entry of a room tells
    /// whether they were a member at <paramref name="after"/> (a leave means yes), each join opens a span, each leave closes it.
    /// Rooms without entries keep the membership they have now.
    /// </summary>
    private static List<MembershipSpan> MembershipSpans(long after, long head, HashEntry[] currentRooms, StreamEntry[] index)
    {
        var changes = new Dictionary<string, List<(long Id, bool Join)>>(StringComparer.Ordinal);
        foreach (var entry in index)
        {
            var room = (string)entry["r"]!;
            if (!changes.TryGetValue(room, out var list))
            {
                changes[room] = list = [];
            }

            list.Add((ParseStreamId(entry.Id), entry["k"] == "j"));
        }

        List<MembershipSpan> spans = [];
        void Add(string room, long from, long to)
        {
            to = Math.Min(to, head);
            if (from <= to)
            {
                spans.Add(new MembershipSpan(room, from, to));
            }
        }

        foreach (var current in currentRooms)
        {
            var room = (string)current.Name!;
            if (!changes.ContainsKey(room))
            {
                Add(room, after + 1, head);
            }
        }

        foreach (var (room, list) in changes)
        {
            var member = !list[0].Join;
            var from = after + 1;
            foreach (var (id, join) in list)
            {
                if (join)
                {
                    member = true;
                    from = id;
                }
                else
                {
                    if (member)
                    {
                        Add(room, from, id);
                    }

                    member = false;
                }
            }

            if (member)
            {
                Add(room, from, head);
            }
        }

        return spans;
    }

    private static StoredEvent ToStoredEvent(StreamEntry entry, string? room, string? user)
    {
        var json = (byte[])entry["e"]!;
        return new StoredEvent(ParseStreamId(entry.Id), WireEvents.ReadType(json), room, user, json);
    }

    private static string StreamId(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-0";

    private static long ParseStreamId(RedisValue id)
    {
        var text = (string)id!;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return long.Parse(dash < 0 ? text : text[..dash], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long Floor(RedisValue floor) => floor.IsNull ? 0 : (long)floor;
}
