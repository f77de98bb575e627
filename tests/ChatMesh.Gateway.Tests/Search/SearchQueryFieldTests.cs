using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Gateway.Search;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>
/// A word with a colon that names no field the index searches (a URL, a time) is searched as the text it is, not as a
/// Lucene field query; <c>text:</c>, the one searchable field, still works as one.
/// </summary>
public sealed class SearchQueryFieldTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatmesh-search-fields-" + Guid.NewGuid().ToString("N"));
    private readonly Lucene.Net.Analysis.Analyzer _analyzer = SearchIndex.CreateAnalyzer();

    [Fact]
    public void A_url_or_a_time_in_the_query_finds_the_messages_that_contain_it_and_highlights_its_words()
    {
        using var index = SearchIndex.Open(_folder);
        Put(index, 1, "the spec is at https://example.com/x today");
        Put(index, 2, "https is fine, see example.com for x");
        Put(index, 3, "standup moved to 10:30 tomorrow");
        Put(index, 4, "10 people at 30 desks");
        index.Refresh();

        Assert.Equal([1L], Find(index, "https://example.com/x"));
        Assert.Equal([1L], Find(index, "spec https://example.com/x"));
        Assert.Equal([2L], Find(index, "https -https://example.com/x"));
        Assert.Equal([1L], Find(index, "(https://example.com/x OR nothing)"));
        Assert.Equal([3L], Find(index, "10:30"));
        Assert.Equal([3L], Find(index, "standup:\"moved to\""));

        var text = "the spec is at https://example.com/x today";
        var highlighted = SearchQuery.Parse("https://example.com/x", 256, _analyzer).Highlights(text)
            .Select(mark => text.Substring(mark.Start, mark.Length));
        Assert.Equal(["https", "example.com", "x"], highlighted);
    }

    [Fact]
    public void The_text_field_is_still_a_field_and_regular_expressions_are_still_refused()
    {
        using var index = SearchIndex.Open(_folder);
        Put(index, 1, "deploy on friday");
        index.Refresh();

        Assert.Equal([1L], Find(index, "text:deploy"));
        Assert.Equal([1L], Find(index, "+text:friday"));
        Assert.Empty(Find(index, "author:deploy"));
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

    private long[] Find(SearchIndex index, string q) =>
        [.. index.Search(SearchQuery.Parse(q, 256, _analyzer).Query, ["general"], null, 50).Select(m => m.Id)];

    private static void Put(SearchIndex index, long id, string text) =>
        SearchIndexer.Apply(index, new ChatEventPublished(id, ChatEventTypes.MessageCreated, "general", null, Encoding.UTF8.GetBytes(
            $$$"""{"id":{{{id}}},"type":"message.created","room":"general","actor":"alice","ts":"2026-12-04T21:00:00.000Z","data":{"messageId":{{{id}}},"text":{{{System.Text.Json.JsonSerializer.Serialize(text)}}},"mentions":[]}}""")));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
