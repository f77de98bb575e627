using ChatMesh.Gateway.Search;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>Snippets keep highlight offsets pointing at the matched words, in UTF-16 units, after cutting.</summary>
public sealed class SnippetTests
{
    [Fact]
    public void A_short_text_is_the_snippet_with_the_offsets_unchanged()
    {
        var (snippet, highlights) = Snippets.Cut("deploy now", [(0, 6)], 200);
        Assert.Equal("deploy now", snippet);
        Assert.Equal([new SearchHighlight(0, 6)], highlights);
    }

    [Fact]
    public void A_long_text_is_cut_around_the_first_match_with_ellipses_and_shifted_offsets()
    {
        var text = new string('x', 300) + " needle " + new string('y', 300);
        var (snippet, highlights) = Snippets.Cut(text, [(301, 6)], 100);

        Assert.StartsWith("…", snippet, StringComparison.Ordinal);
        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        Assert.Equal(102, snippet.Length);
        var highlight = Assert.Single(highlights);
        Assert.Equal("needle", snippet.Substring(highlight.Start, highlight.Length));
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 100)) + " needle";
        var (snippet, highlights) = Snippets.Cut(text, [(201, 6)], 50);

        Assert.All(snippet.Select((c, i) => (c, i)), p =>
            Assert.False(char.IsLowSurrogate(p.c) && (p.i == 0 || !char.IsHighSurrogate(snippet[p.i - 1]))));
        var highlight = Assert.Single(highlights);
        Assert.Equal("needle", snippet.Substring(highlight.Start, highlight.Length));
    }
}
