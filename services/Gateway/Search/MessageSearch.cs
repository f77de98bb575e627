using ChatMesh.Chat.EventLog;
using Lucene.Net.Analysis;
using Lucene.Net.Search;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Search;

/// <summary>Where a word of the query is in <see cref="SearchHit.Snippet"/>: UTF-16 code units, as JavaScript strings count.</summary>
public sealed record SearchHighlight(int Start, int Length);

/// <summary>One message found, as history shows it now.</summary>
public sealed record SearchHit(string Room, long MessageId, string Author, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt,
    string Snippet, IReadOnlyList<SearchHighlight> Highlights);

/// <summary>A page of hits, newest first; <see cref="NextBefore"/> is the <c>before</c> of the next page, null at the end.</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Hits, long? NextBefore);

/// <summary>
/// Searches the messages a user may read. The index proposes candidates among the rooms whose history the user may read
/// at the time of the request (<see cref="IChatService.GetReadableRoomsAsync"/>: membership is never taken from the
/// index); each candidate is then checked by history's own rule (<see cref="IChatService.GetVisibleMessagesAsync"/>) — a
/// message deleted or gone from history, in a room the user left since, or whose current text no longer matches, is
/// dropped — so a hit is exactly a message the history endpoint shows that user, with its current text. Only finding
/// new text is eventually consistent.
/// </summary>
public sealed class MessageSearch(SearchIndexHost host, IChatService chat, IOptions<SearchOptions> options)
{
    private readonly Analyzer _analyzer = SearchIndex.CreateAnalyzer();

    public async Task<SearchPage> SearchAsync(string actor, string? text, string? room, long? before, int limit, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var query = SearchQuery.Parse(text, settings.MaxQueryLength, _analyzer);
        var rooms = await chat.GetReadableRoomsAsync(actor, room, cancellationToken).ConfigureAwait(false);
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
                await ConfirmAsync(actor, query, candidates, hits, cancellationToken).ConfigureAwait(false);
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

    private async Task ConfirmAsync(string actor, SearchQuery query, IReadOnlyList<IndexedMessage> candidates, List<SearchHit> hits,
        CancellationToken cancellationToken)
    {
        var shown = await chat.GetVisibleMessagesAsync(actor, [.. candidates.Select(candidate => (candidate.Room, candidate.Id))], cancellationToken)
            .ConfigureAwait(false);
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var (message, inHistory) = shown[i];
            if (!inHistory)
            {
                // Trimmed from history (no event says so): the index forgets it here.
                host.Index.Remove(candidate.Id);
                continue;
            }
            if (message is null || message.Deleted || message.Text.Length == 0)
            {
                continue;
            }

            var highlights = query.Highlights(message.Text);
            if (highlights.Count == 0 && !string.Equals(message.Text, candidate.Text, StringComparison.Ordinal))
            {
                // Edited since it was indexed, and no longer matching; the edit's event reindexes it shortly.
                continue;
            }

            var (snippet, marks) = Snippets.Cut(message.Text, highlights, options.Value.SnippetLength);
            hits.Add(new SearchHit(candidate.Room, candidate.Id, message.Author, message.CreatedAt, message.EditedAt, snippet, marks));
        }
    }
}
