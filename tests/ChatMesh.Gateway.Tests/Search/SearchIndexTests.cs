using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Gateway.Search;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>The Lucene index on a real folder: what the indexer puts in, what a query finds, and what a restart keeps.</summary>
public sealed class SearchIndexTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatmesh-search-" + Guid.NewGuid().ToString("N"));
    private readonly Lucene.Net.Analysis.Analyzer _analyzer = SearchIndex.CreateAnalyzer();

    [Fact]
    public void Created_edited_and_deleted_events_are_found_replaced_and_removed_newest_first()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Created(10, "general", "alice", "Deploy the release tonight"));
        Apply(index, Created(11, "general", "bob", "the release notes are ready"));
        Apply(index, Created(12, "random", "carol", "release party!"));
        index.Refresh();

        Assert.Equal([12L, 11, 10], Find(index, "release", ["general", "random"]));
        Assert.Equal([11L, 10], Find(index, "release", ["general"]));
        Assert.Equal([10L], Find(index, "deploy release", ["general", "random"]));

        Apply(index, Edited(13, "general", "bob", 11, "notes are ready"));
        Apply(index, Deleted(14, "general", "alice", 10));
        index.Refresh();

        Assert.Empty(Find(index, "release", ["general"]));
        Assert.Equal([11L], Find(index, "notes", ["general"]));
    }

    [Fact]
    public void Paging_with_before_goes_on_below_the_last_hit_and_stops_at_the_oldest()
    {
        using var index = SearchIndex.Open(_folder);
        for (var id = 1; id <= 7; id++)
        {
            Apply(index, Created(id, "general", "alice", $"standup note {id}"));
        }
        index.Refresh();
        var query = SearchQuery.Parse("standup", 256, _analyzer).Query;

        Assert.Equal([7L, 6, 5], index.Search(query, ["general"], null, 3).Select(m => m.Id));
        Assert.Equal([4L, 3, 2], index.Search(query, ["general"], 5, 3).Select(m => m.Id));
        Assert.Equal([1L], index.Search(query, ["general"], 2, 3).Select(m => m.Id));
    }

    [Fact]
    public void A_reopened_index_keeps_its_documents_and_the_position_of_its_last_commit()
    {
        using (var index = SearchIndex.Open(_folder))
        {
            Assert.False(index.IsCurrent);
            Assert.Equal(0, index.Position);
            Apply(index, Created(41, "general", "alice", "persisted words"));
            index.Advance(42);
            index.Commit();
            index.Advance(50); // applied but never committed: a restart reads it again
        }

        using var reopened = SearchIndex.Open(_folder);
        Assert.True(reopened.IsCurrent);
        Assert.Equal(42, reopened.Position);
        Assert.Equal([41L], Find(reopened, "persisted", ["general"]));
    }

    [Fact]
    public void An_unreadable_index_is_started_again_empty_and_not_current()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "segments_1"), "not a lucene index");

        using var index = SearchIndex.Open(_folder);

        Assert.False(index.IsCurrent);
        Assert.Empty(Find(index, "anything", ["general"]));
    }

    [Fact]
    public void Clear_keeps_the_old_view_for_searches_until_the_rebuild_is_refreshed()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Created(5, "general", "alice", "before the rebuild"));
        index.Refresh();

        index.Clear();
        Assert.Equal([5L], Find(index, "rebuild", ["general"]));
        index.Put(5, "general", "alice", "after the rebuild");
        index.Refresh();

        Assert.Equal([5L], Find(index, "after", ["general"]));
        Assert.Empty(Find(index, "before", ["general"]));
    }

    [Fact]
    public void A_rebuild_stopped_half_way_leaves_an_index_the_next_start_rebuilds_and_a_finished_one_is_current()
    {
        using (var index = SearchIndex.Open(_folder))
        {
            Apply(index, Created(5, "general", "alice", "whole history"));
            index.Advance(5);
            index.Commit();

            // The gateway stops mid-rebuild: its last commit (and the writer's own on close) must not claim position 5.
            index.Clear();
            index.Put(6, "general", "alice", "half of history");
            index.Commit();
            Assert.False(index.IsCurrent);
        }

        using (var reopened = SearchIndex.Open(_folder))
        {
            Assert.False(reopened.IsCurrent);
            Assert.Equal(0, reopened.Position);
            reopened.Clear();
            reopened.Put(6, "general", "alice", "all of history");
            reopened.EndRebuild(9);
            Assert.True(reopened.IsCurrent);
            Assert.Equal([6L], Find(reopened, "history", ["general"]));
        }

        using var current = SearchIndex.Open(_folder);
        Assert.True(current.IsCurrent);
        Assert.Equal(9, current.Position);
    }

    [Fact]
    public void An_index_written_by_another_schema_is_not_current_and_is_rebuilt()
    {
        // The shape of session 12's documents (schema 1: the id indexed as numeric terms), committed at position 42.
        Directory.CreateDirectory(_folder);
        using (var folder = Lucene.Net.Store.FSDirectory.Open(_folder))
        using (var writer = new Lucene.Net.Index.IndexWriter(folder, new Lucene.Net.Index.IndexWriterConfig(Lucene.Net.Util.LuceneVersion.LUCENE_48, _analyzer)))
        {
            writer.AddDocument([new Lucene.Net.Documents.Int64Field("id", 41, Lucene.Net.Documents.Field.Store.YES)]);
            writer.SetCommitData(new Dictionary<string, string> { ["schema"] = "1", ["position"] = "42" });
            writer.Commit();
        }

        using var index = SearchIndex.Open(_folder);

        Assert.False(index.IsCurrent);
        Assert.Equal(0, index.Position);
    }

    [Fact]
    public void A_stream_of_refreshes_and_merges_keeps_every_message_once_in_newest_first_pages_and_throws_nothing()
    {
        // Lucene.Net's folder used to throw FileNotFoundException for every new segment file of a refresh (~15 each).
        // Counted once the index is open: opening an empty folder looks for segments.gen once, which is not a refresh's.
        using var index = SearchIndex.Open(_folder);
        var thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is FileNotFoundException && e.Exception.Message.Contains(_folder, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref thrown);
            }
        }
        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            for (var id = 1; id <= 600; id++)
            {
                Apply(index, Created(id, "general", "alice", $"stream message {id}"));
                if (id % 3 == 0)
                {
                    index.Refresh(); // a segment of three messages, as under a stream: merged as they pile up
                }
                if (id % 100 == 0)
                {
                    index.Advance(id);
                    index.Commit();
                }
            }
            var query = SearchQuery.Parse("stream", 256, _analyzer).Query;

            var seen = new List<long>();
            long? before = null;
            while (index.Search(query, ["general"], before, 50) is { Count: > 0 } page)
            {
                seen.AddRange(page.Select(m => m.Id));
                before = page[^1].Id;
            }

            Assert.Equal(Enumerable.Range(1, 600).Select(id => (long)id).Reverse(), seen);
            Assert.Equal(0, thrown);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }
    }

    [Fact]
    public void Prefix_wildcard_fuzzy_and_phrase_queries_find_and_highlight_their_words()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Created(1, "general", "alice", "Kubernetes deployment failed on the staging cluster"));
        index.Refresh();

        foreach (var q in new[] { "kube*", "deplo?ment", "clustr~", "\"staging cluster\"", "Kubernetes AND NOT banana" })
        {
            Assert.Equal([1L], Find(index, q, ["general"]));
        }

        var text = "Kubernetes deployment failed on the staging cluster";
        Assert.Equal([(0, 10)], SearchQuery.Parse("kube*", 256, _analyzer).Highlights(text));
        Assert.Equal([(36, 7), (44, 7)], SearchQuery.Parse("\"staging cluster\"", 256, _analyzer).Highlights(text));
        Assert.Equal([(44, 7)], SearchQuery.Parse("clustr~", 256, _analyzer).Highlights(text));
        Assert.Empty(SearchQuery.Parse("-kubernetes deployment", 256, _analyzer).Highlights("nothing here"));
    }

    [Fact]
    public void Words_are_matched_case_and_accent_insensitively_by_unicode_word_breaks_and_non_latin_text_is_found()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Created(1, "general", "alice", "Grüße aus München, café ☕ 東京"));
        index.Refresh();

        Assert.Equal([1L], Find(index, "münchen", ["general"]));
        Assert.Equal([1L], Find(index, "GRÜSSE OR grüße", ["general"]));
        Assert.Equal([1L], Find(index, "東", ["general"]));
    }

    [Theory]
    [InlineData("", SearchErrors.InvalidQuery)]
    [InlineData("   ", SearchErrors.InvalidQuery)]
    [InlineData("\"unclosed phrase", SearchErrors.InvalidQuery)]
    [InlineData("(open", SearchErrors.InvalidQuery)]
    [InlineData("AND", SearchErrors.InvalidQuery)]
    [InlineData("*leading", SearchErrors.InvalidQuery)]
    [InlineData("!!! ...", SearchErrors.InvalidQuery)]
    [InlineData("-only -excluded", SearchErrors.InvalidQuery)]
    [InlineData("/a{99999}/", SearchErrors.InvalidQuery)]
    [InlineData("/[/", SearchErrors.InvalidQuery)]
    public void Bad_queries_are_refused_with_a_code(string q, string code)
    {
        var refused = Assert.Throws<SearchQueryException>(() => SearchQuery.Parse(q, 256, _analyzer));
        Assert.Equal(code, refused.Code);
        Assert.False(string.IsNullOrWhiteSpace(refused.Message));
    }

    [Fact]
    public void A_query_over_the_length_limit_is_refused_as_too_long()
    {
        var refused = Assert.Throws<SearchQueryException>(() => SearchQuery.Parse(new string('a', 257), 256, _analyzer));
        Assert.Equal(SearchErrors.QueryTooLong, refused.Code);
        SearchQuery.Parse(string.Concat(Enumerable.Repeat("abc ", 64)), 256, _analyzer);
    }

    [Fact]
    public void Messages_of_rooms_not_asked_for_are_never_returned()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Created(1, "secret", "alice", "the password is swordfish"));
        Apply(index, Created(2, "dm:alice:bob", "alice", "swordfish between us"));
        index.Refresh();

        Assert.Empty(Find(index, "swordfish", ["general"]));
        Assert.Empty(Find(index, "swordfish", []));
        Assert.Empty(Find(index, "room:secret", ["general"]));
        Assert.Equal([2L], Find(index, "swordfish", ["dm:alice:bob"]));
    }

    [Fact]
    public void Other_events_and_attachment_only_messages_add_nothing()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Event(1, ChatEventTypes.MemberJoined, "general", "alice", """{"user":"alice"}"""));
        Apply(index, Created(2, "general", "alice", ""));
        Apply(index, Event(3, ChatEventTypes.ReactionAdded, "general", "alice", """{"messageId":2,"emoji":"alice","user":"alice"}"""));
        index.Refresh();

        Assert.Empty(Find(index, "alice", ["general"]));
    }

    // A word with a colon that names no field the index searches (a URL, a time) is searched as the text it is.
    [Fact]
    public void A_url_or_a_time_in_the_query_finds_the_messages_that_contain_it_and_highlights_its_words()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Created(1, "general", "alice", "the spec is at https://example.com/x today"));
        Apply(index, Created(2, "general", "alice", "https is fine, see example.com for x"));
        Apply(index, Created(3, "general", "alice", "standup moved to 10:30 tomorrow"));
        Apply(index, Created(4, "general", "alice", "10 people at 30 desks"));
        index.Refresh();

        Assert.Equal([1L], Find(index, "https://example.com/x", ["general"]));
        Assert.Equal([1L], Find(index, "spec https://example.com/x", ["general"]));
        Assert.Equal([2L], Find(index, "https -https://example.com/x", ["general"]));
        Assert.Equal([1L], Find(index, "(https://example.com/x OR nothing)", ["general"]));
        Assert.Equal([3L], Find(index, "10:30", ["general"]));
        Assert.Equal([3L], Find(index, "standup:\"moved to\"", ["general"]));

        var text = "the spec is at https://example.com/x today";
        var highlighted = SearchQuery.Parse("https://example.com/x", 256, _analyzer).Highlights(text)
            .Select(mark => text.Substring(mark.Start, mark.Length));
        Assert.Equal(["https", "example.com", "x"], highlighted);
    }

    [Fact]
    public void The_text_field_is_still_a_field_and_regular_expressions_are_still_refused()
    {
        using var index = SearchIndex.Open(_folder);
        Apply(index, Created(1, "general", "alice", "deploy on friday"));
        index.Refresh();

        Assert.Equal([1L], Find(index, "text:deploy", ["general"]));
        Assert.Equal([1L], Find(index, "+text:friday", ["general"]));
        Assert.Empty(Find(index, "author:deploy", ["general"]));
        var refused = Assert.Throws<SearchQueryException>(() => SearchQuery.Parse("/dep.*/", 256, _analyzer));
        Assert.Equal(SearchErrors.InvalidQuery, refused.Code);
    }

    [Theory]
    [InlineData("https://example.com/x", "\"https://example.com/x\"")]
    [InlineData("-https://a.b (c:d)", "-\"https://a.b\" (\"c:d\")")]
    [InlineData("text:deploy \"a:b\" c\\:d", "text:deploy \"a:b\" c\\:d")]
    [InlineData("name:\"a b\"", "name\\:\"a b\"")]
    [InlineData("plain words", "plain words")]
    public void Unknown_field_prefixes_are_rewritten_as_text_and_everything_else_is_left_alone(string q, string parsed) =>
        Assert.Equal(parsed, SearchQuery.QuoteUnknownFields(q));

    private long[] Find(SearchIndex index, string q, string[] rooms) =>
        [.. index.Search(SearchQuery.Parse(q, 256, _analyzer).Query, rooms, null, 50).Select(m => m.Id)];

    private static void Apply(SearchIndex index, ChatEventPublished published) => SearchIndexer.Apply(index, published);

    private static ChatEventPublished Created(long id, string room, string actor, string text) =>
        Event(id, ChatEventTypes.MessageCreated, room, actor, $$"""{"messageId":{{id}},"text":{{Quote(text)}},"replyTo":null,"mentions":[]}""");

    private static ChatEventPublished Edited(long id, string room, string actor, long messageId, string text) =>
        Event(id, ChatEventTypes.MessageEdited, room, actor, $$"""{"messageId":{{messageId}},"text":{{Quote(text)}},"mentions":[]}""");

    private static ChatEventPublished Deleted(long id, string room, string actor, long messageId) =>
        Event(id, ChatEventTypes.MessageDeleted, room, actor, $$"""{"messageId":{{messageId}}}""");

    private static ChatEventPublished Event(long id, string type, string room, string actor, string data) =>
        new(id, type, room, null, Encoding.UTF8.GetBytes(
            $$"""{"id":{{id}},"type":"{{type}}","room":"{{room}}","actor":"{{actor}}","ts":"2026-12-04T21:00:00.000Z","data":{{data}}}"""));

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    public void Dispose()
    {
        _analyzer.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
