using System.Buffers;
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
/// (<see cref="SharedAnswer"/>). Every answer has a <c>Content-Length</c> and goes in one write: no chunked framing.
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

        // Any other answer (several events, a reset) is written whole first, so it too goes with a length, in one write:
        // chunked, Kestrel sent the headers and the body's chunk, then the closing chunk, in a second send.
        var body = new ArrayBufferWriter<byte>(BodyEstimate(batch));
        using (var writer = new Utf8JsonWriter(body))
        {
            SharedAnswer.Write(writer, batch);
        }

        response.ContentLength = body.WrittenCount;
        await response.BodyWriter.WriteAsync(body.WrittenMemory, httpContext.RequestAborted);
    }

    // The events' bytes and the envelope around them (the fields, their separators, the numbers).
    private static int BodyEstimate(PollBatch batch)
    {
        var length = 96;
        foreach (var stored in batch.Events)
        {
            length += stored.Json.Length + 1;
        }

        return length;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(PollResponse), ["application/json"]));
    }
}
