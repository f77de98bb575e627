using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Hosting;

/// <summary>
/// Names the instance in every <c>/poll</c> answer (<see cref="LegacyInstance"/>), caps every body at <see cref="LegacyOptions.MaxRequestBodyBytes"/> (Kestrel enforces it while reading, for
/// chunked bodies too) and turns unreadable bodies into problem details. The endpoints read their bodies themselves
/// (JSON or form), so the refusals surface here as exceptions.
/// </summary>
internal sealed class PollRequestBoundary(IOptions<LegacyOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var maxBytes = options.Value.MaxRequestBodyBytes;
        var http = context.HttpContext;
        http.Response.Headers[LegacyInstance.Header] = LegacyInstance.Id;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        if (http.Request.ContentLength > maxBytes)
        {
            return PollProblems.PayloadTooLarge(maxBytes);
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
