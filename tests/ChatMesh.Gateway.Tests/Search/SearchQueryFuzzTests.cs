using ChatMesh.Gateway.Search;
using CsCheck;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>Any query text either runs or is refused with a search error code: nothing a user types may become a 500.</summary>
public sealed class SearchQueryFuzzTests : IDisposable
{
    // Lucene's syntax characters weighted in, with letters, digits, spaces and some non-ASCII.
    private static readonly Gen<string> QueryText = Gen.OneOf(
            Gen.Char["abcxyz019 \"'()[]{}*?~^:/\\+-!&|<>=.,@#\t\n"],
            Gen.Char['\u00e0', '\u00ff'],
            Gen.Const('\u6771'),
            Gen.Const('\ud83d'))
        .Array[0, 80].Select(chars => new string(chars));

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "chatmesh-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly Lucene.Net.Analysis.Analyzer _analyzer = SearchIndex.CreateAnalyzer();

    [Fact]
    public void Random_query_text_is_parsed_searched_and_highlighted_or_refused_with_a_code()
    {
        using var index = SearchIndex.Open(_folder);
        index.Put(1, "general", "alice", "abc xyz 019 ààà 東京 \"quoted\" (parens) a*b");
        index.Put(2, "general", "bob", "x y z abc abd abe abf");
        index.Refresh();

        QueryText.Sample(text =>
        {
            try
            {
                var query = SearchQuery.Parse(text, 256, _analyzer);
                index.Search(query.Query, ["general"], null, 10);
                query.Highlights("abc xyz 019 ààà 東京 a*b");
            }
            catch (SearchQueryException refused)
            {
                Assert.Contains(refused.Code, new[] { SearchErrors.InvalidQuery, SearchErrors.QueryTooLong, SearchErrors.QueryTooComplex });
            }
        }, iter: 3000);
    }

    [Theory]
    [InlineData("/[/")]
    [InlineData("/a{99999}/")]
    [InlineData("abc~99")]
    [InlineData("abc^-1")]
    [InlineData("[a TO]")]
    [InlineData("{* TO *}")]
    [InlineData("text:")]
    [InlineData("\\")]
    [InlineData("a\\")]
    [InlineData("\"\"")]
    public void Edge_cases_of_the_syntax_run_or_are_refused_with_a_code(string text)
    {
        using var index = SearchIndex.Open(_folder);
        index.Put(1, "general", "alice", "abc");
        index.Refresh();
        try
        {
            var query = SearchQuery.Parse(text, 256, _analyzer);
            index.Search(query.Query, ["general"], null, 10);
            query.Highlights("abc");
        }
        catch (SearchQueryException refused)
        {
            Assert.Equal(SearchErrors.InvalidQuery, refused.Code);
        }
    }

    public void Dispose()
    {
        _analyzer.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
