using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Search;

/// <summary>Message search (<c>GET /api/search</c>) and the index behind it, bound from <c>Gateway:Search</c> and validated on start.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Gateway:Search";

    /// <summary>Longest query text in characters; a longer one is 400 <c>query_too_long</c>.</summary>
    public int MaxQueryLength { get; set; } = 256;

    /// <summary>Largest <c>limit</c> of a search page.</summary>
    public int MaxPageSize { get; set; } = 50;

    /// <summary>The page size when <c>limit</c> is absent.</summary>
    public int DefaultPageSize { get; set; } = 20;

    /// <summary>
    /// The most index candidates one request checks against Redis (membership, live, current text) before answering with
    /// a short page and a cursor to go on from; bounds the work of a query whose matches the caller mostly may not read.
    /// </summary>
    public int MaxCandidatesPerPage { get; set; } = 1000;

    /// <summary>Longest snippet of a hit's text, in characters (the text around the first match, cut with <c>…</c>).</summary>
    public int SnippetLength { get; set; } = 200;

    /// <summary>Outbox entries read per batch by the indexer.</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>How long one blocking read of the outbox waits when nothing is new (it returns at once when busy).</summary>
    public TimeSpan IdleReadTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the index is committed to disk with its log position (searches see new events at once; a commit only
    /// bounds what a restart reads again from the outbox).
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The shortest time between two near-real-time reader refreshes while messages keep coming (a message after a quiet
    /// spell is searchable at once); once caught up the indexer also waits this long before its next outbox read, so a
    /// stream is one read, one batch of updates and one refresh per interval. 0: a read and a refresh after every batch,
    /// which under a steady stream is one per message and costs the gateway ≈ 5 ms of CPU each (docs/benchmarks.md, session 10).
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the indexer waits before retrying after Redis failed it.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rebuild the index from Redis on every start, even when it is current (it is rebuilt anyway when empty or behind retention).</summary>
    public bool RebuildOnStart { get; set; }

    /// <summary>
    /// The key an operator sends in <c>X-Operator-Key</c> to <c>/operations/search</c> (the index's status, and a rebuild on
    /// demand); unset, those endpoints are not mapped at all. The edge (<c>web</c>) does not route <c>/operations</c>:
    /// operators call the gateway's own address.
    /// </summary>
    public string? OperatorKey { get; set; }

    /// <summary>Shortest <see cref="OperatorKey"/> accepted.</summary>
    public const int MinOperatorKeyLength = 16;

    /// <summary>
    /// The folder holding the indexes (absolute). The AppHost sets it under its state directory; unset, it is
    /// <c>$XDG_STATE_HOME/chatmesh/search</c> (or <c>~/.local/state/chatmesh/search</c>). Each gateway process takes
    /// the first free <c>index-{n}</c> inside it.
    /// </summary>
    public string? Directory { get; set; }

    public string EffectiveDirectory => string.IsNullOrWhiteSpace(Directory) ? DefaultDirectory() : Directory;

    private static string DefaultDirectory()
    {
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrWhiteSpace(stateHome))
        {
            stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(stateHome, "chatmesh", "search");
    }
}

/// <summary>Stops the gateway at start when a <see cref="SearchOptions"/> value is out of range, naming the key.</summary>
public sealed class SearchOptionsValidator : IValidateOptions<SearchOptions>
{
    public ValidateOptionsResult Validate(string? name, SearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = SearchOptions.SectionName;
        Range(failures, $"{section}:MaxQueryLength", options.MaxQueryLength, 1, 4096);
        Range(failures, $"{section}:MaxPageSize", options.MaxPageSize, 1, 500);
        Range(failures, $"{section}:DefaultPageSize", options.DefaultPageSize, 1, options.MaxPageSize);
        Range(failures, $"{section}:MaxCandidatesPerPage", options.MaxCandidatesPerPage, options.MaxPageSize + 1, 100_000);
        Range(failures, $"{section}:SnippetLength", options.SnippetLength, 20, 10_000);
        Range(failures, $"{section}:BatchSize", options.BatchSize, 1, 10_000);
        if (options.IdleReadTimeout < TimeSpan.FromMilliseconds(10) || options.IdleReadTimeout > TimeSpan.FromSeconds(3))
        {
            // The blocking read must end well inside StackExchange.Redis's default 5 s command timeout.
            failures.Add($"{section}:IdleReadTimeout must be 10 ms to 3 s, got {options.IdleReadTimeout}.");
        }
        if (options.RefreshInterval < TimeSpan.Zero || options.RefreshInterval > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{section}:RefreshInterval must be 0 to 10 s, got {options.RefreshInterval}.");
        }

        if (options.CommitInterval < TimeSpan.FromMilliseconds(100) || options.CommitInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:CommitInterval must be 100 ms to 1 h, got {options.CommitInterval}.");
        }
        if (options.RetryDelay < TimeSpan.FromMilliseconds(10) || options.RetryDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{section}:RetryDelay must be 10 ms to 5 min, got {options.RetryDelay}.");
        }
        if (options.OperatorKey is { Length: > 0 } key && (key.Length < SearchOptions.MinOperatorKeyLength || key.Length > 1024 || key.Any(char.IsWhiteSpace)))
        {
            // Not echoed: it is a secret.
            failures.Add($"{section}:OperatorKey must be {SearchOptions.MinOperatorKeyLength} to 1024 characters without white space (got {key.Length} characters).");
        }
        if (options.Directory is { Length: > 0 } directory && !Path.IsPathRooted(directory))
        {
            failures.Add($"{section}:Directory must be an absolute path, got '{directory}'.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} must be {min} to {max}, got {value}.");
        }
    }
}
