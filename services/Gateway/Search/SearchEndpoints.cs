using System.Security.Claims;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Search;

/// <summary><c>GET /api/search</c>: full-text search of the messages the caller may read, newest first.</summary>
internal static class SearchEndpoints
{
    public static RouteGroupBuilder MapSearchEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/search", Search).WithTags("Search")
            .WithSummary("Searches the messages of the caller's rooms (or one room), newest first; 'nextBefore' pages on. Eventually consistent: a new message is found within moments.");
        return api;
    }

    internal static async Task<Results<Ok<SearchPage>, ProblemHttpResult>> Search(
        string? q, string? room, long? before, int? limit,
        ClaimsPrincipal user, MessageSearch search, IOptions<SearchOptions> options, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var pageSize = limit ?? settings.DefaultPageSize;
        if (pageSize < 1 || pageSize > settings.MaxPageSize)
        {
            return ChatProblems.InvalidArgument($"'limit' must be 1 to {settings.MaxPageSize}.");
        }
        if (before is < 1)
        {
            return ChatProblems.InvalidArgument("'before' must be a message id (1 or more).");
        }

        try
        {
            return TypedResults.Ok(await search.SearchAsync(user.GetUserId(), q, string.IsNullOrEmpty(room) ? null : room, before, pageSize, cancellationToken));
        }
        catch (SearchQueryException refused)
        {
            return ChatProblems.Create(StatusCodes.Status400BadRequest, refused.Code, refused.Message);
        }
    }
}
