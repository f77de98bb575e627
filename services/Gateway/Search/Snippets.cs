namespace ChatMesh.Gateway.Search;

/// <summary>Cuts a hit's text to the part around its first match, keeping the highlight offsets true to the cut text.</summary>
internal static class Snippets
{
    private const char Ellipsis = '…';

    public static (string Snippet, IReadOnlyList<SearchHighlight> Highlights) Cut(string text, IReadOnlyList<(int Start, int Length)> found, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return (text, found.Select(h => new SearchHighlight(h.Start, h.Length)).ToList());
        }

        // Some context before the first match, then as much as fits; never split a surrogate pair.
        var first = found.Count > 0 ? found[0].Start : 0;
        var start = Math.Max(0, Math.Min(first - (maxLength / 5), text.Length - maxLength));
        if (start > 0 && char.IsLowSurrogate(text[start]))
        {
            start++;
        }
        var end = Math.Min(text.Length, start + maxLength);
        if (end < text.Length && char.IsLowSurrogate(text[end]))
        {
            end--;
        }

        var lead = start > 0 ? 1 : 0;
        var snippet = (lead == 1 ? Ellipsis.ToString() : "") + text[start..end] + (end < text.Length ? Ellipsis.ToString() : "");
        var shown = new List<SearchHighlight>();
        foreach (var (at, length) in found)
        {
            if (at >= start && at + length <= end)
            {
                shown.Add(new SearchHighlight(at - start + lead, length));
            }
        }

        return (snippet, shown);
    }
}
