using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Gateway.Api.ProblemMapping;

/// <summary>Range checks of query values that parsed but are out of bounds.</summary>
internal static class QueryChecks
{
    /// <summary>Null and the effective limit when <paramref name="limit"/> is absent or 1..MaxPageLimit; otherwise the problem.</summary>
    public static ProblemHttpResult? Page(ChatApiOptions options, int? limit, out int effective)
    {
        effective = limit ?? options.DefaultPageLimit;
        return effective < 1 || effective > options.MaxPageLimit
            ? ChatProblems.InvalidArgument($"'limit' must be 1 to {options.MaxPageLimit}.")
            : null;
    }
}
