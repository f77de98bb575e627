using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Hosting;

/// <summary>
/// Names the instance in every <c>/poll</c> answer (<see cref="LegacyInstance"/>), caps every body at <see cref="LegacyOptions.MaxRequestBodyBytes"/> (Kestrel enforces it while reading, for
/// chunked bodies too) and turns unreadable bodies into problem details. The endpoints read their bodies themselves
/// (JSON or form), so the refusals surface here as exceptions.
/// </summary>
internal sealed class PollRequestBoundary(IOptions<LegacyOptions> options) : IEndpointFilter
{
    /// <summary>
    /// What every <c>/poll</c> answer gets before its endpoint runs: the instance header, the body cap, and the 413 of a
    /// declared body over it. The poll route (<c>GET /poll/queues/{id}/events</c>, which reads no body) calls it itself
    /// instead of going through this filter, so a re-poll builds no filter pipeline (<see cref="Polling.PollEndpoints"/>).
    /// </summary>
    internal static ProblemHttpResult? Admit(HttpContext http, long maxBytes)
    {
        http.Response.Headers[LegacyInstance.Header] = LegacyInstance.Id;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        return http.Request.ContentLength > maxBytes ? PollProblems.PayloadTooLarge(maxBytes) : null;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var maxBytes = options.Value.MaxRequestBodyBytes;
        if (Admit(context.HttpContext, maxBytes) is { } tooLarge)
        {
            return tooLarge;
        }

        try
        {
            return await next(context);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return PollProblems.PayloadTooLarge(maxBytes);
        }
        catch (BadHttpRequestException exception)
        {
            return PollProblems.InvalidRequest(exception.Message);
        }
        catch (InvalidDataException exception)
        {
            // A form over the form reader's own limits.
            return PollProblems.InvalidRequest(exception.Message);
        }
        catch (JsonException)
        {
            return PollProblems.InvalidRequest("The body is not valid JSON of the expected shape.");
        }
    }
}
