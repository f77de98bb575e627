using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace ChatMesh.Legacy.Polling;

/// <summary>The shape <see cref="PollResult"/> writes, for readers of the code and API descriptions.</summary>
public sealed record PollResponse(IReadOnlyList<JsonElement> Events, long LastEventId, bool Heartbeat, bool? Reset, long? Head);

/// <summary>
/// Writes <c>{"events":[…],"lastEventId":N,"heartbeat":bool}</c> (+ <c>"reset":true,"head":H</c>), copying each event's
/// stored wire JSON into the array byte for byte, as every other channel sends it: never parsed or re-serialized. A
/// one-event answer is the same body for every poll it wakes, a heartbeat the same for every poll at its cursor
/// (<see cref="SharedAnswer"/>).
/// </summary>
internal sealed class PollResult(PollBatch batch) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        using var activity = PollTelemetry.StartDelivery(batch);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        // A poll answer is for this request only; proxies must not serve it to another poll.
        response.Headers.CacheControl = "no-store";

        if (SharedAnswer.For(batch) is { } shared)
        {
            // One event woke many polls, or many timed out at one cursor: the same bytes for each, with a length instead of chunks.
            response.ContentLength = shared.Length;
            await response.BodyWriter.WriteAsync(shared, httpContext.RequestAborted);
            return;
        }

        await using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            SharedAnswer.Write(writer, batch);
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(PollResponse), ["application/json"]));
    }
}
