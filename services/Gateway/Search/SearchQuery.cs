using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Util.Automaton;

namespace ChatMesh.Gateway.Search;

/// <summary>A search refused before it ran: the <see cref="Code"/> is the problem's <c>error</c>.</summary>
public sealed class SearchQueryException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>The <c>error</c> codes of a refused search.</summary>
public static class SearchErrors
{
    /// <summary>400: empty, nothing searchable in it, or not Lucene query syntax.</summary>
    public const string InvalidQuery = "invalid_query";

    /// <summary>400: longer than <see cref="SearchOptions.MaxQueryLength"/>.</summary>
    public const string QueryTooLong = "query_too_long";

    /// <summary>400: expands to more terms than the index allows in one query.</summary>
    public const string QueryTooComplex = "query_too_complex";

    /// <summary>401 on <c>/operations/search</c>: no <c>X-Operator-Key</c>, or not <see cref="SearchOptions.OperatorKey"/>.</summary>
    public const string OperatorKeyRequired = "operator_key_required";

    /// <summary>409 on <c>POST /operations/search/rebuild</c>: this gateway's index is already being rebuilt (or about to be).</summary>
    public const string RebuildRunning = "search_rebuild_running";
}

/// <summary>
/// A parsed search (Lucene classic query syntax over the message text, all words required by default) and the matchers
/// that find its words in a message's current text for highlighting.
/// </summary>
public sealed class SearchQuery
{
    private readonly HashSet<string> _terms = new(StringComparer.Ordinal);
    private readonly List<string> _prefixes = [];
    private readonly List<CharacterRunAutomaton> _patterns = [];
    private readonly Analyzer _analyzer;

    private SearchQuery(Query query, Analyzer analyzer)
    {
        Query = query;
        _analyzer = analyzer;
        Collect(query);
    }

    public Query Query { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="SearchQueryException"/> for an empty, too long or malformed query.</summary>
    public static SearchQuery Parse(string? text, int maxLength, Analyzer analyzer)
    {
        ArgumentNullException.ThrowIfNull(analyzer);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new SearchQueryException(SearchErrors.InvalidQuery, "'q' is required: the words to search for.");
        }
        if (text.Length > maxLength)
        {
            throw new SearchQueryException(SearchErrors.QueryTooLong, $"'q' is {text.Length} characters; at most {maxLength} are allowed.");
        }

        var parser = new ChatQueryParser(analyzer)
        {
            DefaultOperator = Operator.AND,
            AllowLeadingWildcard = false,
        };
        Query? query;
        try
        {
            query = parser.Parse(QuoteUnknownFields(text));
        }
        catch (ParseException exception)
        {
            throw new SearchQueryException(SearchErrors.InvalidQuery, $"'q' is not a valid query: {FirstLine(exception.Message)}");
        }
        catch (ArgumentException exception)
        {
            // Lucene's own refusals of a term it cannot build (measured with fuzzed input), never the caller's fault to see as a 500.
            throw new SearchQueryException(SearchErrors.InvalidQuery, $"'q' is not a valid query: {FirstLine(exception.Message)}");
        }
        catch (BooleanQuery.TooManyClausesException)
        {
            throw new SearchQueryException(SearchErrors.QueryTooComplex, "'q' has too many terms.");
        }

        if (query is null or BooleanQuery { Clauses.Count: 0 } || !HasRequiredPart(query))
        {
            throw new SearchQueryException(SearchErrors.InvalidQuery, "'q' has no word to search for (only punctuation, or only excluded words).");
        }

        return new SearchQuery(query, analyzer);
    }

    /// <summary>Where the query's words occur in <paramref name="text"/>: (start, length) in UTF-16 code units, in order.</summary>
    public IReadOnlyList<(int Start, int Length)> Highlights(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<(int, int)>();
        using var tokens = _analyzer.GetTokenStream(SearchIndex.TextField, text);
        var term = tokens.AddAttribute<ICharTermAttribute>();
        var offset = tokens.AddAttribute<IOffsetAttribute>();
        tokens.Reset();
        while (tokens.IncrementToken())
        {
            if (Matches(term.ToString()))
            {
                found.Add((offset.StartOffset, offset.EndOffset - offset.StartOffset));
            }
        }

        tokens.End();
        return found;
    }

    private bool Matches(string token)
    {
        if (_terms.Contains(token))
        {
            return true;
        }
        foreach (var prefix in _prefixes)
        {
            if (token.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        foreach (var pattern in _patterns)
        {
            if (pattern.Run(token))
            {
                return true;
            }
        }
        return false;
    }

    // The words a hit is highlighted for: every term of the text field the query does not exclude.
    private void Collect(Query query)
    {
        switch (query)
        {
            case BooleanQuery boolean:
                foreach (var clause in boolean.Clauses)
                {
                    if (!clause.IsProhibited)
                    {
                        Collect(clause.Query);
                    }
                }
                break;
            case TermQuery { Term.Field: SearchIndex.TextField } single:
                _terms.Add(single.Term.Text);
                break;
            case PhraseQuery phrase:
                foreach (var word in phrase.GetTerms())
                {
                    _terms.Add(word.Text);
                }
                break;
            case MultiPhraseQuery multi:
                foreach (var words in multi.GetTermArrays())
                {
                    foreach (var word in words)
                    {
                        _terms.Add(word.Text);
                    }
                }
                break;
            case PrefixQuery { Prefix.Field: SearchIndex.TextField } prefix:
                _prefixes.Add(prefix.Prefix.Text);
                break;
            case WildcardQuery { Term.Field: SearchIndex.TextField } wildcard:
                _patterns.Add(new CharacterRunAutomaton(WildcardQuery.ToAutomaton(wildcard.Term)));
                break;
            case FuzzyQuery { Term.Field: SearchIndex.TextField } fuzzy:
                _patterns.Add(new CharacterRunAutomaton(new LevenshteinAutomata(fuzzy.Term.Text, fuzzy.Transpositions).ToAutomaton(fuzzy.MaxEdits)));
                break;
        }
    }

    /// <summary>
    /// <paramref name="text"/> with each word that reads as a query on a field the index does not search — every
    /// <c>name:</c> but <c>text:</c> — made the text it is: a quoted phrase of its words (<c>https://example.com/x</c>,
    /// <c>10:30</c>), so it is neither a field query nor, after <c>https:</c>, a <c>/regular expression/</c>. Leading
    /// <c>+ - ! (</c> and trailing <c>)</c> stay operators; a word that runs into a quote (<c>name:"a b"</c>) gets its
    /// colon escaped instead. Quoted text and escaped characters are left as they are.
    /// </summary>
    internal static string QuoteUnknownFields(string text)
    {
        System.Text.StringBuilder? output = null;
        var copied = 0;
        var i = 0;
        var quoted = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\')
            {
                i += 2;
                continue;
            }
            if (c == '"')
            {
                quoted = !quoted;
                i++;
                continue;
            }
            if (quoted || char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            // A word outside quotes: up to whitespace or a quote.
            var start = i;
            var colon = -1;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != '"')
            {
                if (text[i] == '\\')
                {
                    i = Math.Min(i + 2, text.Length);
                    continue;
                }
                if (text[i] == ':' && colon < 0)
                {
                    colon = i;
                }
                i++;
            }

            var first = start;
            while (first < colon && text[first] is '+' or '-' or '!' or '(')
            {
                first++;
            }
            if (colon < 0 || text.AsSpan(first, colon - first).SequenceEqual(SearchIndex.TextField))
            {
                continue;
            }

            output ??= new System.Text.StringBuilder(text.Length + 8);
            output.Append(text, copied, first - copied);
            if (i < text.Length && text[i] == '"')
            {
                output.Append(text, first, colon - first).Append("\\:").Append(text, colon + 1, i - colon - 1);
            }
            else
            {
                var last = i;
                while (last > colon + 1 && text[last - 1] == ')')
                {
                    last--;
                }
                output.Append('"').Append(text, first, last - first).Append('"').Append(text, last, i - last);
            }
            copied = i;
        }

        return output is null ? text : output.Append(text, copied, text.Length - copied).ToString();
    }

    // A query of excluded words only matches nothing in Lucene; say so instead of answering an empty page.
    private static bool HasRequiredPart(Query query) => query is not BooleanQuery boolean
        || boolean.Clauses.Any(clause => !clause.IsProhibited && HasRequiredPart(clause.Query));

    /// <summary>
    /// The classic parser without /regular expressions/: one like <c>/a{99999}/</c> takes the parser close to a minute to
    /// compile (measured), a denial of service in a search box.
    /// </summary>
    private sealed class ChatQueryParser(Analyzer analyzer) : QueryParser(SearchIndex.Version, SearchIndex.TextField, analyzer)
    {
        protected override Query GetRegexpQuery(string field, string termStr) =>
            throw new ParseException("regular expressions (/…/) are not supported; put the text in quotes to search for it.");
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
