using System.Security.Cryptography;
using System.Text;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Search;

/// <summary>
/// The operator's view of this gateway's index: <c>GET /operations/search</c> (status) and <c>POST /operations/search/rebuild</c>
/// (a rebuild from history without a restart). Mapped only when <see cref="SearchOptions.OperatorKey"/> is set, each request
/// must carry it in <see cref="KeyHeader"/>; not routed by the public edge, so it is called at the gateway's own address.
/// </summary>
internal static class SearchOperationsEndpoints
{
    public const string Prefix = "/operations/search";
    public const string KeyHeader = "X-Operator-Key";

    public static IEndpointRouteBuilder MapSearchOperationsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var key = endpoints.ServiceProvider.GetRequiredService<IOptions<SearchOptions>>().Value.OperatorKey;
        if (string.IsNullOrEmpty(key))
        {
            return endpoints;
        }

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        var operations = endpoints.MapGroup(Prefix).AllowAnonymous().WithTags("Operations").ExcludeFromDescription()
            .AddEndpointFilter((context, next) => HasKey(context.HttpContext.Request, expected)
                ? next(context)
                : ValueTask.FromResult<object?>(ChatProblems.Create(StatusCodes.Status401Unauthorized, SearchErrors.OperatorKeyRequired,
                    $"This endpoint needs the operator key (Gateway:Search:OperatorKey) in the {KeyHeader} header.")));
        operations.MapGet("", Status);
        operations.MapPost("/rebuild", Rebuild);
        return endpoints;
    }

    internal static async Task<Ok<SearchIndexStatus>> Status(
        SearchIndexHost host, SearchRebuildState state, IConnectionMultiplexer redis, CancellationToken cancellationToken) =>
        TypedResults.Ok(await StatusAsync(host, state, redis, cancellationToken));

    internal static async Task<Results<Accepted<SearchIndexStatus>, ProblemHttpResult>> Rebuild(
        SearchIndexHost host, SearchRebuildState state, IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        if (!state.TryRequest())
        {
            return ChatProblems.Create(StatusCodes.Status409Conflict, SearchErrors.RebuildRunning,
                $"This gateway's search index is already being rebuilt; GET {Prefix} shows its progress.");
        }

        return TypedResults.Accepted(Prefix, await StatusAsync(host, state, redis, cancellationToken));
    }

    private static async Task<SearchIndexStatus> StatusAsync(
        SearchIndexHost host, SearchRebuildState state, IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        var head = (long?)await redis.GetDatabase().StringGetAsync(ChatKeys.Seq).WaitAsync(cancellationToken) ?? 0;
        return state.Status(host.Index.Position, head);
    }

    private static bool HasKey(HttpRequest request, byte[] expected) =>
        request.Headers.TryGetValue(KeyHeader, out var sent) && sent.Count == 1 && sent[0] is { Length: > 0 } value
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(value)), expected);
}
