using ChatMesh.Chat.Attachments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// Wraps every API endpoint's request delegate: caps the body at the service's limit (the gateway's
/// <c>Gateway:Api:MaxRequestBodyBytes</c>, the integration service's own) and gives
/// the framework's own refusals (bad JSON, wrong content type, missing body, unparsable route or query value, body too
/// large) a problem details body. Parameter binding runs before endpoint filters, so a filter cannot see these; the
/// framework either sets the status with an empty body or, when <c>RouteHandlerOptions.ThrowOnBadRequest</c> is on
/// (the Development default), throws <see cref="BadHttpRequestException"/>. Both cases are handled here, and so is a
/// <c>multipart/form-data</c> body that is not what its content type says (<see cref="MalformedMultipartException"/>
/// from <see cref="MultipartSections"/>: 400 <c>invalid_request</c>) for every endpoint that reads one (the gateway's
/// upload, inbound hooks). A body over the cap stays a 413; one declared over the cap is answered before it is read. Every
/// 413 of these endpoints says <c>Connection: close</c> (the server does not read the rest of the body, so it cannot keep
/// the connection).
/// </summary>
public static class RequestBoundary
{
    /// <param name="builder">The endpoints (usually a route group) to wrap.</param>
    /// <param name="maxBodyBytes">The body cap, read per request from the request's services (options can be reloaded).</param>
    public static TBuilder WithRequestBoundary<TBuilder>(this TBuilder builder, Func<IServiceProvider, long> maxBodyBytes)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(maxBodyBytes);
        return builder.WithRequestBoundaryPerRequest(context => maxBodyBytes(context.RequestServices));
    }

    /// <param name="builder">The endpoints to wrap.</param>
    /// <param name="maxBodyBytes">The body cap of this request (it may depend on its content type, as an inbound hook's does).</param>
    public static TBuilder WithRequestBoundaryPerRequest<TBuilder>(this TBuilder builder, Func<HttpContext, long> maxBodyBytes)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(maxBodyBytes);
        builder.Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate
                ?? throw new InvalidOperationException($"Endpoint '{endpoint.DisplayName}' has no request delegate.");
            endpoint.RequestDelegate = context => InvokeAsync(context, inner, maxBodyBytes(context));
        });
        return builder;
    }

    private static async Task InvokeAsync(HttpContext context, RequestDelegate inner, long maxBytes)
    {

        // Kestrel enforces the cap while the body is read, also for a chunked body that declares no length.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        // A 413 leaves the rest of the body unread, and Kestrel's drain of it after the answer stops at the same cap and
        // closes the connection: without saying so (Kestrel's own 413 does, an endpoint's or this boundary's would not),
        // a keep-alive client sends its next request on a connection the server is closing and gets no answer ("the
        // response ended prematurely"). So every 413 through here says Connection: close.
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true })
        {
            context.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                if (response.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    response.Headers.Connection = "close";
                }

                return Task.CompletedTask;
            }, context.Response);
        }

        if (context.Request.ContentLength > maxBytes)
        {
            // Answered before the body is read (the Connection: close above).
            await ChatProblems.PayloadTooLarge(maxBytes).ExecuteAsync(context);
            return;
        }

        try
        {
            await inner(context);
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await ProblemFor(exception.StatusCode, maxBytes, exception.Message).ExecuteAsync(context);
            return;
        }
        catch (MalformedMultipartException malformed) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await ChatProblems.InvalidRequest(malformed.Message).ExecuteAsync(context);
            return;
        }

        if (!context.Response.HasStarted && context.Response.StatusCode is 400 or 413 or 415)
        {
            await ProblemFor(context.Response.StatusCode, maxBytes, detail: null).ExecuteAsync(context);
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult ProblemFor(int status, long maxBytes, string? detail) =>
        status == StatusCodes.Status413PayloadTooLarge
            ? ChatProblems.PayloadTooLarge(maxBytes)
            // Wrong content type included: the contract answers every unreadable request with 400 invalid_request.
            : status == StatusCodes.Status415UnsupportedMediaType
                ? ChatProblems.Create(status, ApiErrors.UnsupportedMediaType, "Send the body as application/json.")
                : ChatProblems.InvalidRequest(detail ??
                    "The request could not be read: malformed JSON, a missing body, or an unparsable route or query value.");
}
