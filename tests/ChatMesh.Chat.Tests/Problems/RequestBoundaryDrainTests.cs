using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.Problems;

/// <summary>
/// What a client sees of a refusal that leaves its body unread, on a real Kestrel behind <see cref="RequestBoundary"/>:
/// one still sending a body moderately over the cap reads the 413 (the rest is read and discarded after the answer,
/// not cut off with a TCP reset, aspnetcore#23840); one that sends far more, or for too long, is cut off; a malformed
/// multipart body whose rest passes the cap is a 400 that says <c>Connection: close</c>, and the client's next request
/// is answered.
/// </summary>
public sealed class RequestBoundaryDrainTests
{
    private const long Cap = 1024;

    /// <summary>The multipart route's cap: more than the multipart reader's first read (16 KiB), as the upload's is.</summary>
    private const long MultipartCap = 64 * 1024;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_that_sends_a_body_moderately_over_the_cap_slowly_and_then_reads_gets_the_413(bool chunked)
    {
        await using var server = await StartAsync();
        using var tcp = await server.ConnectAsync();
        var stream = tcp.GetStream();
        var body = Encoding.ASCII.GetBytes("{\"text\":\"" + new string('a', 200 * 1024) + "\"}");
        await stream.WriteAsync(Head("/json", "application/json", chunked ? null : body.Length), Cancel);

        // As a simple client does: the whole body (a slow network: 4 KiB at a time), and only then the answer.
        for (var offset = 0; offset < body.Length; offset += 4096)
        {
            var part = body.AsMemory(offset, Math.Min(4096, body.Length - offset));
            await stream.WriteAsync(chunked ? Chunk(part.Span) : part.ToArray(), Cancel);
            await Task.Delay(5, Cancel);
        }
        if (chunked)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Cancel);
        }

        var (head, text) = await ReadAnswerAsync(stream);
        Assert.StartsWith("HTTP/1.1 413", head, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("payload_too_large", ErrorOf(text));
    }

    [Fact]
    public async Task A_client_that_sends_far_more_than_the_allowance_past_the_cap_is_cut_off()
    {
        await using var server = await StartAsync(drainBytes: 64 * 1024);
        using var tcp = await server.ConnectAsync();
        var stream = tcp.GetStream();
        await stream.WriteAsync(Head("/json", "application/json", contentLength: null), Cancel);

        // 256 MiB, far past the cap and the 64 KiB allowance (and any socket buffers): the server stops reading and
        // closes the connection, so the client's sending fails long before it is done.
        var chunk = Chunk(new byte[64 * 1024]);
        var sent = 0L;
        var cutOff = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            for (; sent < 256L * 1024 * 1024; sent += 64 * 1024)
            {
                await stream.WriteAsync(chunk, Cancel);
            }
        });
        Assert.True(sent < 256L * 1024 * 1024, $"sent {sent} bytes");
        Assert.IsType<SocketException>(cutOff.InnerException);
    }

    [Fact]
    public async Task A_client_that_keeps_sending_slowly_past_the_drain_timeout_is_cut_off()
    {
        await using var server = await StartAsync(drainTimeout: TimeSpan.FromMilliseconds(200));
        using var tcp = await server.ConnectAsync();
        var stream = tcp.GetStream();
        await stream.WriteAsync(Head("/json", "application/json", contentLength: null), Cancel);
        await stream.WriteAsync(Chunk(new byte[2 * Cap]), Cancel);

        // Well within the byte allowance, but never ending: a byte every 20 ms until the server ends the connection.
        // (The test's own timeout is the only bound on the client; the server's is its 200 ms drain timeout.)
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (true)
            {
                await stream.WriteAsync(Chunk("a"u8), Cancel);
                await Task.Delay(20, Cancel);
            }
        });
    }

    [Fact]
    public async Task A_malformed_multipart_body_whose_rest_passes_the_cap_is_a_400_with_connection_close_and_the_next_request_is_answered()
    {
        await using var server = await StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        for (var i = 0; i < 5; i++)
        {
            // A part whose header line is no header: refused at its first bytes, the rest (past the 64 KiB cap) unread.
            // Sent fast, the rest would pass Kestrel's count of the cap before the reader saw the header (a 413 instead).
            var content = new SlowBody(Encoding.ASCII.GetBytes("--x\r\nthis is no header\r\n\r\n"), Encoding.ASCII.GetBytes(new string('a', 200 * 1024)));
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/multipart") { Content = content };
            request.Headers.TransferEncodingChunked = true;
            using (var refused = await client.SendAsync(request, Cancel))
            {
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                Assert.Equal("invalid_request", ErrorOf(await refused.Content.ReadAsStringAsync(Cancel)));
                Assert.True(refused.Headers.ConnectionClose, "a refusal that leaves the body unread says Connection: close");
            }

            using var next = await client.PostAsync("/json", new StringContent("{\"text\":\"hi\"}", Encoding.UTF8, "application/json"), Cancel);
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }
    }

    [Fact]
    public async Task The_drain_options_are_validated_on_start()
    {
        var failures = new RequestBoundaryOptionsValidator().Validate(null, new RequestBoundaryOptions
        {
            DrainBytes = -1,
            DrainTimeout = TimeSpan.FromMinutes(2),
        }).Failures?.ToList() ?? [];
        Assert.Contains(failures, failure => failure.Contains("Chat:RequestBoundary:DrainBytes", StringComparison.Ordinal));
        Assert.Contains(failures, failure => failure.Contains("Chat:RequestBoundary:DrainTimeout", StringComparison.Ordinal));

        var builder = Builder();
        builder.Configuration["Chat:RequestBoundary:DrainBytes"] = "-1";
        await using var app = builder.Build();
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Cancel));
        Assert.Contains("DrainBytes", refused.Message, StringComparison.Ordinal);
    }

    private static byte[] Head(string path, string contentType, long? contentLength) => Encoding.ASCII.GetBytes(
        $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {contentType}\r\n" +
        (contentLength is { } length ? $"Content-Length: {length}\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n");

    private static byte[] Chunk(ReadOnlySpan<byte> data) =>
        [.. Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), .. data, .. "\r\n"u8];

    /// <summary>The answer's head and body, read until the server ends the connection (it said Connection: close).</summary>
    private static async Task<(string Head, string Body)> ReadAnswerAsync(NetworkStream stream)
    {
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, Cancel)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(answer.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"no complete answer: {text}");
        var head = text[..end];
        var body = text[(end + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            // One chunk: its size line, the data, the last chunk.
            var sizeEnd = body.IndexOf("\r\n", StringComparison.Ordinal);
            body = body.Substring(sizeEnd + 2, Convert.ToInt32(body[..sizeEnd], 16));
        }

        return (head, body);
    }

    private static string? ErrorOf(string problem)
    {
        using var json = JsonDocument.Parse(problem);
        return json.RootElement.GetProperty(ChatProblems.ErrorExtension).GetString();
    }

    private static WebApplicationBuilder Builder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddChatProblemDetails();
        return builder;
    }

    private static async Task<LoopbackServer> StartAsync(long? drainBytes = null, TimeSpan? drainTimeout = null)
    {
        var builder = Builder();
        if (drainBytes is { } bytes)
        {
            builder.Configuration["Chat:RequestBoundary:DrainBytes"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (drainTimeout is { } timeout)
        {
            builder.Configuration["Chat:RequestBoundary:DrainTimeout"] = timeout.ToString();
        }
        var app = builder.Build();
        app.MapPost("/json", (Message message) => TypedResults.Ok(message.Text.Length)).WithRequestBoundary(_ => Cap);
        // Reads the sections as the gateway's upload and inbound hooks do.
        app.MapPost("/multipart", async (HttpRequest request) =>
        {
            var reader = new MultipartReader("x", request.Body);
            var sections = 0;
            while (await MultipartSections.NextAsync(reader, request.HttpContext.RequestAborted) is not null)
            {
                sections++;
            }

            return TypedResults.Ok(sections);
        }).WithRequestBoundary(_ => MultipartCap);
        await app.StartAsync(Cancel);
        return new LoopbackServer(app, new Uri(app.Urls.Single()));
    }

    internal sealed record Message(string Text);

    /// <summary>A body sent as a slow network does: its first bytes, a pause, then the rest.</summary>
    private sealed class SlowBody(byte[] head, byte[] rest) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(head);
            await stream.FlushAsync();
            await Task.Delay(200);
            await stream.WriteAsync(rest);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private sealed record LoopbackServer(WebApplication App, Uri Address) : IAsyncDisposable
    {
        public async Task<TcpClient> ConnectAsync()
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(Address.Host, Address.Port, Cancel);
            return tcp;
        }

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
