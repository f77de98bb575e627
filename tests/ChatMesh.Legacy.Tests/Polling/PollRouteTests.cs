using System.Security.Claims;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Polling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>
/// <c>GET /poll/queues/{id}/events</c> has no endpoint filters (a re-poll builds no filter pipeline), so it does their
/// part itself: every answer names the instance, a declared body over the cap is 413 <c>payload_too_large</c> before
/// anything else, and a bad query or an unknown queue id get their own codes, as through the filters. These refusals
/// come before any Redis call, so no store is needed here.
/// </summary>
public sealed class PollRouteTests
{
    private const string QueueId = "0123456789abcdef0123456789abcdef";

    public static TheoryData<string, long?, string, string?, int, string> Refusals() => new()
    {
        // id, declared body length, lastEventId, timeout → status, error
        { QueueId, 64 * 1024 + 1, "5", null, StatusCodes.Status413PayloadTooLarge, PollErrors.PayloadTooLarge },
        // The body cap comes first, as PollRequestBoundary's did: before the query is looked at.
        { "not-a-queue", 64 * 1024 + 1, "abc", null, StatusCodes.Status413PayloadTooLarge, PollErrors.PayloadTooLarge },
        { QueueId, null, "abc", null, StatusCodes.Status400BadRequest, PollErrors.InvalidCursor },
        { QueueId, null, "-1", null, StatusCodes.Status400BadRequest, PollErrors.InvalidCursor },
        { QueueId, null, "5", "0", StatusCodes.Status400BadRequest, PollErrors.InvalidArgument },
        { QueueId, null, "5", "soon", StatusCodes.Status400BadRequest, PollErrors.InvalidArgument },
        { "not-a-queue", null, "5", null, StatusCodes.Status404NotFound, PollErrors.QueueNotFound },
        { QueueId.ToUpperInvariant(), 10, "5", "600", StatusCodes.Status404NotFound, PollErrors.QueueNotFound },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_poll_answers_with_its_code_and_the_instance_header(
        string id, long? bodyLength, string lastEventId, string? timeout, int status, string error)
    {
        var http = new DefaultHttpContext();
        http.Request.ContentLength = bodyLength;

        var result = await PollEndpoints.Poll(
            id, lastEventId, timeout, dontBlock: null, http, new ClaimsPrincipal(), store: null!, poller: null!, presence: null!,
            queues: null!, lifetime: null!, Options.Create(new LegacyOptions()), TestContext.Current.CancellationToken);

        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(status, problem.StatusCode);
        Assert.Equal(error, problem.ProblemDetails.Extensions["error"]);
        Assert.Equal(LegacyInstance.Id, http.Response.Headers[LegacyInstance.Header].ToString());
    }
}
