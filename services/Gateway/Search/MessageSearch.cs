using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using Lucene.Net.Analysis;
using Lucene.Net.Search;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Search;

/// <summary>Where a word of the query is in <see cref="SearchHit.Snippet"/>: UTF-16 code units, as JavaScript strings count.</summary>
public sealed record SearchHighlight(int Start, int Length);

/// <summary>One message found, as history shows it now.</summary>
public sealed record SearchHit(string Room, long MessageId, string Author, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt,
    string Snippet, IReadOnlyList<SearchHighlight> Highlights);

/// <summary>A page of hits, newest first; <see cref="NextBefore"/> is the <c>before</c> of the next page, null at the end.</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Hits, long? NextBefore);

/// <summary>
/// Searches the messages a user may read. The index proposes candidates among the user's rooms as Redis lists them at
/// the time of the request (membership is never taken from the index); each candidate is then read from history — a
/// message deleted or gone from history, or whose current text no longer matches, is dropped — so a hit is exactly a
/// message the history endpoint shows that user, with its current text. Only finding new text is eventually consistent.
/// </summary>
public sealed class MessageSearch(SearchIndexHost host, IConnectionMultiplexer redis, IOptions<SearchOptions> options)
{
    private readonly Analyzer _analyzer = SearchIndex.CreateAnalyzer();

    public async Task<SearchPage> SearchAsync(string actor, string? text, string? room, long? before, int limit, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var query = SearchQuery.Parse(text, settings.MaxQueryLength, _analyzer);
        var db = redis.GetDatabase();
        var rooms = await ReadableRoomsAsync(db, actor, room, cancellationToken).ConfigureAwait(false);
        var hits = new List<SearchHit>(limit + 1);
        var cursor = before;
        var examined = 0;
        var exhausted = false;
        while (hits.Count <= limit && !exhausted && examined < settings.MaxCandidatesPerPage)
        {
            var want = Math.Min(limit + 1 - hits.Count, settings.MaxCandidatesPerPage - examined);
            IReadOnlyList<IndexedMessage> candidates;
            try
            {
                candidates = host.Index.Search(query.Query, rooms, cursor, want);
            }
            catch (BooleanQuery.TooManyClausesException)
            {
                throw new SearchQueryException(SearchErrors.QueryTooComplex, "'q' matches too many different words; make it more specific.");
            }

            exhausted = candidates.Count < want;
            examined += candidates.Count;
            if (candidates.Count > 0)
            {
                cursor = candidates[^1].Id;
                await ConfirmAsync(db, query, candidates, hits, cancellationToken).ConfigureAwait(false);
            }
        }

        if (hits.Count > limit)
        {
            hits.RemoveRange(limit, hits.Count - limit);
            return new SearchPage(hits, hits[^1].MessageId);
        }

        // Out of candidates to check for this page: a short page, and where the next one goes on from.
        return new SearchPage(hits, exhausted ? null : cursor);
    }

    // The rooms whose history the user may read now: every room they are a member of, or the one asked for, refused as
    // history refuses it.
    private static async Task<IReadOnlyCollection<string>> ReadableRoomsAsync(IDatabase db, string actor, string? room, CancellationToken cancellationToken)
    {
        if (room is null)
        {
            var keys = await db.HashKeysAsync(HistoryKeys.UserRooms(actor)).WaitAsync(cancellationToken).ConfigureAwait(false);
            return keys.Select(key => (string)key!).ToList();
        }

        if (!ChatIds.IsRoomId(room) && !ChatIds.TryParseDirect(room, out _, out _))
        {
            throw new ChatException(ChatError.InvalidArgument, $"'{room}' is not a room id.");
        }

        var member = db.HashExistsAsync(HistoryKeys.UserRooms(actor), room);
        var exists = db.KeyExistsAsync(HistoryKeys.Room(room));
        var banned = db.SetContainsAsync(HistoryKeys.Banned(room), actor);
        await Task.WhenAll(member, exists, banned).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (await member.ConfigureAwait(false))
        {
            return [room];
        }
        if (!await exists.ConfigureAwait(false))
        {
            throw new ChatException(ChatError.RoomNotFound, $"room {room} does not exist");
        }
        throw await banned.ConfigureAwait(false)
            ? new ChatException(ChatError.Banned, $"banned from {room}")
            : new ChatException(ChatError.NotMember, $"not a member of {room}");
    }

    private async Task ConfirmAsync(IDatabase db, SearchQuery query, IReadOnlyList<IndexedMessage> candidates, List<SearchHit> hits,
        CancellationToken cancellationToken)
    {
        var reads = candidates.Select(candidate => db.HashGetAsync(HistoryKeys.Message(candidate.Room, candidate.Id), HistoryKeys.MessageFields)).ToArray();
        await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var state = MessageState.From(await reads[i].ConfigureAwait(false));
            if (state is null)
            {
                // Trimmed from history (no event says so): the index forgets it here.
                host.Index.Remove(candidate.Id);
                continue;
            }
            if (state.Deleted || state.Text.Length == 0)
            {
                continue;
            }

            var highlights = query.Highlights(state.Text);
            if (highlights.Count == 0 && !string.Equals(state.Text, candidate.Text, StringComparison.Ordinal))
            {
                // Edited since it was indexed, and no longer matching; the edit's event reindexes it shortly.
                continue;
            }

            var (snippet, shown) = Snippets.Cut(state.Text, highlights, options.Value.SnippetLength);
            hits.Add(new SearchHit(candidate.Room, candidate.Id, state.Author, DateTimeOffset.FromUnixTimeMilliseconds(state.CreatedAt),
                state.EditedAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(state.EditedAt), snippet, shown));
        }
    }
}
