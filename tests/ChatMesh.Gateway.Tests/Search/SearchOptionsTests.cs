using ChatMesh.Gateway.Search;

namespace ChatMesh.Gateway.Tests.Search;

public sealed class SearchOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new SearchOptionsValidator().Validate(null, new SearchOptions()).Succeeded);
    }

    [Fact]
    public void Every_out_of_range_value_is_refused_naming_its_key()
    {
        var options = new SearchOptions
        {
            MaxQueryLength = 0,
            MaxPageSize = 10,
            DefaultPageSize = 11,
            MaxCandidatesPerPage = 5,
            SnippetLength = 1,
            BatchSize = 0,
            IdleReadTimeout = TimeSpan.FromSeconds(10),
            CommitInterval = TimeSpan.Zero,
            RetryDelay = TimeSpan.Zero,
            Directory = "relative/path",
            OperatorKey = "too-short",
        };

        var result = new SearchOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        foreach (var key in new[] { "MaxQueryLength", "DefaultPageSize", "MaxCandidatesPerPage", "SnippetLength", "BatchSize",
            "IdleReadTimeout", "CommitInterval", "RetryDelay", "Directory", "OperatorKey" })
        {
            Assert.Contains($"Gateway:Search:{key}", result.FailureMessage, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("too-short", result.FailureMessage, StringComparison.Ordinal);
    }
}
