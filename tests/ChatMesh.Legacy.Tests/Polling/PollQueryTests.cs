using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

public sealed class PollQueryTests
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(null, null, null, null, 30.0)]
    [InlineData("42", "5", null, 42L, 5.0)]
    [InlineData("0", "600", "false", 0L, 30.0)]
    [InlineData("7", null, "true", 7L, null)]
    [InlineData("7", "5", "1", 7L, null)]
    public void Valid_queries_parse(string? cursor, string? timeout, string? dontBlock, long? expectedCursor, double? expectedHoldSeconds)
    {
        Assert.Null(PollQuery.TryParse(cursor, timeout, dontBlock, Max, out var query));

        Assert.Equal(expectedCursor, query.Cursor);
        Assert.Equal(expectedHoldSeconds, query.Hold?.TotalSeconds);
    }

    [Theory]
    [InlineData("abc", null, null, "invalid_cursor")]
    [InlineData("-1", null, null, "invalid_cursor")]
    [InlineData("+1", null, null, "invalid_cursor")]
    [InlineData(" 1", null, null, "invalid_cursor")]
    [InlineData("", null, null, "invalid_cursor")]
    [InlineData("99999999999999999999", null, null, "invalid_cursor")]
    [InlineData("1", "0", null, "invalid_argument")]
    [InlineData("1", "-5", null, "invalid_argument")]
    [InlineData("1", "1.5", null, "invalid_argument")]
    [InlineData("1", null, "maybe", "invalid_argument")]
    public void Invalid_queries_name_the_problem(string? cursor, string? timeout, string? dontBlock, string error)
    {
        var problem = PollQuery.TryParse(cursor, timeout, dontBlock, Max, out _);

        Assert.NotNull(problem);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal(error, problem.ProblemDetails.Extensions["error"]);
    }
}
