using ChatMesh.Chat.Attachments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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
/// upload, inbound hooks). A body over the cap stays a 413; one declared over the cap is answered before it is read.
/// Every refusal (4xx, 5xx) of these endpoints that leaves the body unread, the boundary's or the endpoint's own, says
/// <c>Connection: close</c>, and after the answer the rest of the body is read and discarded, at most
/// <see cref="RequestBoundaryOptions.DrainBytes"/> past the cap and for at most <see cref="RequestBoundaryOptions.DrainTimeout"/>
/// (<see cref="BoundaryBody"/>), so a client still sending reads the answer rather than a reset.
/// </summary>
public static class RequestBoundary
{
    private static readonly RequestBoundaryOptions Defaults = new();

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
        // A body is read through a count of its own (Kestrel's own one is set the drain allowance higher): it refuses
        // past the cap as Kestrel does, also a chunked body that declares no length, and knows whether the body was read
        // to its end when the answer starts.
        BoundaryBody? body = null;
        RequestBoundaryOptions? drain = null;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true })
        {
            drain = context.RequestServices.GetService<IOptions<RequestBoundaryOptions>>()?.Value ?? Defaults;
            body = BoundaryBody.Install(context, maxBytes, drain.DrainBytes);
        }

        try
        {
            await AnswerAsync(context, inner, maxBytes);
        }
        catch when (body is not null)
        {
            // Whatever answers this further out (the exception handler) is left to Kestrel, which drains an unread body
            // itself on a kept connection.
            body.Abandon();
            throw;
        }

        // A refusal of a body not read to its end said Connection: close (BoundaryBody.OnAnswer). Kestrel would close at
        // once with the rest unread, and a client still sending would get a TCP reset, often before it reads the answer
        // (aspnetcore#23840). So the answer goes out in full, then the rest is read and discarded, bounded in bytes and
        // time (Chat:RequestBoundary), and only then is the connection closed.
        if (body is not null && drain is not null && context.Response.StatusCode >= StatusCodes.Status400BadRequest && !body.Ended)
        {
            await context.Response.CompleteAsync();
            if (body.MustDrain)
            {
                await body.DrainAsync(drain.DrainTimeout,
                    context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System);
            }
        }
    }

    private static async Task AnswerAsync(HttpContext context, RequestDelegate inner, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            // Answered before the body is read.
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
