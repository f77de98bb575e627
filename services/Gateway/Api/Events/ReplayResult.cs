using System.Reflection;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using Microsoft.AspNetCore.Http.Metadata;

namespace ChatMesh.Gateway.Api.Events;

/// <summary>The shape <see cref="ReplayResult"/> writes, for the OpenAPI document; <see cref="Events"/> are the wire event objects.</summary>
public sealed record ReplayResponse(IReadOnlyList<JsonElement> Events, bool Reset, bool More, long Head);

/// <summary>
/// Writes a <see cref="Replay"/> as <c>{"events":[…],"reset":…,"more":…,"head":…}</c>, copying each event's stored wire
/// JSON bytes into the array as they are: the bytes every other channel sends, never parsed or re-serialized.
/// </summary>
internal sealed class ReplayResult(Replay replay) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    private const int FlushEvery = 32;

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        var cancellationToken = httpContext.RequestAborted;

        var body = response.BodyWriter;
        await using var writer = new Utf8JsonWriter(body);
        writer.WriteStartObject();
        writer.WriteStartArray("events"u8);
        for (var i = 0; i < replay.Events.Count; i++)
        {
            // The log validated these bytes when it built them at commit.
            writer.WriteRawValue(replay.Events[i].Json.Span, skipInputValidation: true);
            if ((i + 1) % FlushEvery == 0)
            {
                await writer.FlushAsync(cancellationToken);
                await body.FlushAsync(cancellationToken);
            }
        }

        writer.WriteEndArray();
        writer.WriteBoolean("reset"u8, replay.Reset);
        writer.WriteBoolean("more"u8, replay.More);
        writer.WriteNumber("head"u8, replay.Head);
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(ReplayResponse), ["application/json"]));
    }
}
