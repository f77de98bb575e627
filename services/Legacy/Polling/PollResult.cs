using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace ChatMesh.Legacy.Polling;

/// <summary>The shape <see cref="PollResult"/> writes, for readers of the code and API descriptions.</summary>
public sealed record PollResponse(IReadOnlyList<JsonElement> Events, long LastEventId, bool Heartbeat, bool? Reset, long? Head);

/// <summary>
/// Writes <c>{"events":[…],"lastEventId":N,"heartbeat":bool}</c> (+ <c>"reset":true,"head":H</c>), copying each event's
/// stored wire JSON into the array byte for byte, as every other channel sends it: never parsed or re-serialized.
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

        await using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("events"u8);
            foreach (var stored in batch.Events)
            {
                // The log validated these bytes when it built them at commit.
                writer.WriteRawValue(stored.Json.Span, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteNumber("lastEventId"u8, batch.LastEventId);
            writer.WriteBoolean("heartbeat"u8, batch.Heartbeat);
            if (batch.Reset)
            {
                writer.WriteBoolean("reset"u8, true);
                writer.WriteNumber("head"u8, batch.Head);
            }

            writer.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(PollResponse), ["application/json"]));
    }
}
