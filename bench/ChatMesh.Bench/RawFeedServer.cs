using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatMesh.Bench;

/// <summary>
/// The floor of the held-connection channels: a minimal Kestrel server (run by the harness in a child process,
/// <c>--raw-feed-server &lt;port&gt;</c>) with a raw SSE broadcast (<see cref="RawSseStreams"/>, <c>GET /sse</c>) and a
/// raw long-poll (<see cref="RawLongPolls"/>, <c>GET /poll?after=N</c>). <c>POST /send</c> (the body is the message
/// text) serializes one event of ChatMesh's wire shape once and hands the same bytes to every stream and every held
/// poll. No auth, no Redis, no bus, no tracing: what is left is Kestrel, the sockets and the fan-out.
/// </summary>
internal static class RawFeedServer
{
    private const int MaxTextBytes = 64 * 1024;

    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var streams = new RawSseStreams();
        var polls = new RawLongPolls();
        long head = 0;
        var output = new ArrayBufferWriter<byte>(512);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var sending = new Lock();

        app.MapGet("/sse", (HttpContext context) => streams.ServeAsync(context, Volatile.Read(ref head)));
        app.MapGet("/poll", polls.ServeAsync);
        app.MapPost("/send", async (HttpContext context) =>
        {
            var text = await ReadTextAsync(context.Request);
            if (text is null)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }

            // One sender at a time keeps ids in order on every stream (as the ordered outbox does).
            lock (sending)
            {
                var id = head + 1;
                var eventJson = Serialize(json, output, id, text);
                polls.Append(id, eventJson);
                streams.Broadcast(RawSseStreams.Frame(id, eventJson));
                Volatile.Write(ref head, id);
            }

            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        await using var heartbeats = streams.StartHeartbeats();
        await using var timeouts = polls.StartTimeouts();
        await app.RunAsync();
    }

    /// <summary>
    /// The event as ChatMesh stores it, the same fields and about the same size (the room and actor names of a bench
    /// run): <c>{"id","type","room","actor","ts","data":{"messageId","text","replyTo","mentions"}}</c>.
    /// </summary>
    private static byte[] Serialize(Utf8JsonWriter json, ArrayBufferWriter<byte> output, long id, ReadOnlySpan<byte> text)
    {
        output.ResetWrittenCount();
        json.Reset();
        json.WriteStartObject();
        json.WriteNumber("id"u8, id);
        json.WriteString("type"u8, "message.created"u8);
        json.WriteString("room"u8, "bench-00000000"u8);
        json.WriteString("actor"u8, "bench-owner"u8);
        json.WriteString("ts"u8, DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteStartObject("data"u8);
        json.WriteNumber("messageId"u8, id);
        json.WriteString("text"u8, text);
        json.WriteNull("replyTo"u8);
        json.WriteStartArray("mentions"u8);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static async Task<byte[]?> ReadTextAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            if (body.Length + read > MaxTextBytes)
            {
                return null;
            }

            body.Write(buffer, 0, read);
        }

        return body.ToArray();
    }
}
