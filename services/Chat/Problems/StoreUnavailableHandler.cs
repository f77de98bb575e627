using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// Answers a request that failed because Redis could not serve it (<see cref="StoreFailures.IsTransient"/>: unreachable,
/// timed out, mid-failover, no replica confirming a write in time) with 503
/// <c>store_unavailable</c> and <c>Retry-After: 1</c> instead of a bare 500, so clients and proxies know it is transient.
/// Whether a write went through is unknown, exactly as for 500: a send is retried with its idempotency key. Anything
/// else is left to the default handler (500 <c>internal_error</c>).
/// </summary>
internal sealed partial class StoreUnavailableHandler(IProblemDetailsService problems, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!StoreFailures.IsTransient(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = ((int)StoreFailures.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service Unavailable",
            Detail = "The chat store is unavailable for a moment (a restart or a failover); retry after a second. A send is retried with the same idempotency key.",
            Extensions = { [ChatProblems.ErrorExtension] = ApiErrors.StoreUnavailable },
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 store_unavailable: {Kind}: {Reason}")]
    private partial void LogUnavailable(string method, string path, string kind, string reason);
}
