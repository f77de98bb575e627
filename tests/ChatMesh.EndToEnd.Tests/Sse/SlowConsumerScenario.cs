using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.EndToEnd.Tests.Telemetry;

namespace ChatMesh.EndToEnd.Tests.Sse;

/// <summary>One item of an SSE or NDJSON stream as a client reads it: its type, its id (logged events), its error code.</summary>
internal sealed record StreamItem(string Type, long? Id, string? Code, string Data);

/// <summary>How one stream format is opened, resumed and read (<c>/sse</c> with Last-Event-ID, <c>/stream</c> with <c>after</c>).</summary>
internal abstract class StreamFormat
{
    public static readonly StreamFormat Sse = new SseStreamFormat();
    public static readonly StreamFormat Ndjson = new NdjsonStreamFormat();

    /// <summary>The <c>chatmesh.channel</c> of its metrics.</summary>
    public abstract string Channel { get; }

    public abstract HttpRequestMessage Request(string room, string token, long? resumeAfter);

    public abstract IAsyncEnumerable<StreamItem> ReadAsync(System.IO.Stream body, CancellationToken cancellationToken);

    private sealed class SseStreamFormat : StreamFormat
    {
        public override string Channel => "sse";

        public override HttpRequestMessage Request(string room, string token, long? resumeAfter) =>
            SseClient.Request($"/sse?rooms={room}", token, resumeAfter?.ToString(CultureInfo.InvariantCulture));

        public override async IAsyncEnumerable<StreamItem> ReadAsync(System.IO.Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
            {
                var id = item.EventId is { Length: > 0 } text ? long.Parse(text, CultureInfo.InvariantCulture) : (long?)null;
                yield return new StreamItem(item.EventType, id, item.EventType == "error" ? Code(item.Data) : null, item.Data);
            }
        }
    }

    private sealed class NdjsonStreamFormat : StreamFormat
    {
        public override string Channel => "ndjson";

        public override HttpRequestMessage Request(string room, string token, long? resumeAfter)
        {
            var after = resumeAfter is { } id ? $"&after={id}" : "";
            var request = new HttpRequestMessage(HttpMethod.Get, $"/stream?rooms={room}{after}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }

        public override async IAsyncEnumerable<StreamItem> ReadAsync(System.IO.Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                var type = root.GetProperty("type").GetString()!;
                var id = root.TryGetProperty("id", out var value) ? value.GetInt64() : (long?)null;
                yield return new StreamItem(type, id, type == "error" ? root.GetProperty("code").GetString() : null, line);
            }
        }
    }

    private static string? Code(string json) => JsonDocument.Parse(json).RootElement.GetProperty("code").GetString();
}

/// <summary>
/// What a user of an SSE or NDJSON stream sees when more events come than the stream's queue holds
/// (<see cref="Overrides.NotificationOverrides.MaxQueuedEvents"/>): a client that reads through the burst gets every
/// event once, in order, and keeps its stream; one that reads nothing for <c>Notification:SlowConsumerTimeout</c> is
/// cut with a last <c>error</c> event <c>slow_consumer</c> and, resuming, gets the rest exactly once. The stream is
/// opened directly on one notification replica (Aspire's proxy would buffer what the service writes) with a small
/// receive window, so the client's pace reaches the service.
/// </summary>
internal sealed class SlowConsumerScenario(ChatMeshAppFixture fixture, StreamFormat format)
{
    // Each message is ~12 KB on the wire; enough of them to fill the socket buffers (a few MB) and then the queue.
    private const int Messages = 1_200;
    private static readonly string Filler = new('€', 3_990);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async Task A_client_that_reads_nothing_is_cut_after_the_timeout_and_resumes_without_loss_or_duplicate()
    {
        using var open = await OpenAsync("nothing");
        var (alice, bob, room, cutsBefore) = (open.Alice, open.Bob, open.Room, open.CutsBefore);
        await using var body = await open.Response.Content.ReadAsStreamAsync(Cancel);

        // Bob reads nothing while Alice posts (each message acknowledged, so durable), nor after, until the service
        // has cut him off (SlowConsumerTimeout after his stream fell behind).
        var all = await PostAsync(alice, room, Messages);
        await Eventually.TrueAsync(() => Cuts() > cutsBefore, () => $"no {format.Channel} slow-consumer cut counted (still {Cuts()})");

        // Now he reads: what was already on the wire and queued, in order, then the stream ends with the reason.
        var received = new List<StreamItem>();
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(90));
            await foreach (var item in format.ReadAsync(body, deadline.Token))
            {
                received.Add(item);
            }
        }

        var last = received[^1];
        Assert.Equal("error", last.Type);
        Assert.Equal("slow_consumer", last.Code);
        var seen = Logged(received);
        Assert.InRange(seen.Count, 1, all.Count - 1);
        Assert.Equal(all.Take(seen.Count), seen);

        // He reconnects from the last id he saw (EventSource sends Last-Event-ID): the rest arrives once, in order.
        var rest = all.Skip(seen.Count).ToList();
        var resumed = await ReadUntilAsync(StreamClients.Create(fixture), room, bob.Token, seen[^1], rest[^1]);
        Assert.Equal(rest, Logged(resumed));
        Assert.DoesNotContain(resumed, item => item.Type == "error");
    }

    public async Task A_client_that_reads_through_a_burst_larger_than_the_queue_gets_every_event_once_in_order_and_keeps_its_stream()
    {
        using var open = await OpenAsync("burst");
        var (alice, room, cutsBefore) = (open.Alice, open.Room, open.CutsBefore);
        await using var body = new SlowStream(await open.Response.Content.ReadAsStreamAsync(Cancel));

        // Bob reads all along, slowly while Alice posts (a slow link: far slower than she posts), then at full speed.
        var received = new ConcurrentQueue<StreamItem>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var reading = Task.Run(async () =>
        {
            await foreach (var item in format.ReadAsync(body, stop.Token))
            {
                received.Enqueue(item);
            }
        }, Cancel);

        var all = await PostAsync(alice, room, Messages);
        body.Slow = false;
        await WaitForAsync(received, reading, all[^1]);

        // The stream is still his: a message posted now arrives live.
        var after = await alice.PostAsync(room, "still there");
        await WaitForAsync(received, reading, after);
        await stop.CancelAsync();
        try
        {
            await reading;
        }
        catch (OperationCanceledException)
        {
            // Bob closed his stream.
        }

        var items = received.ToList();
        Assert.DoesNotContain(items, item => item.Type == "error");
        Assert.Equal([.. all, after], Logged(items));
        Assert.Equal(cutsBefore, Cuts());

        // The burst did leave his stream behind (its queue holds 300 of the 1,200): the test proved what it claims.
        var connection = JsonDocument.Parse(items.First(item => item.Type == "hello").Data).RootElement.GetProperty("connectionId").GetString();
        await Eventually.TrueAsync(
            () => fixture.Telemetry.Logs.Any(log => log.Attributes.GetValueOrDefault("ConnectionId") == connection && log.Body.Contains("fell behind", StringComparison.Ordinal)),
            () => $"the {format.Channel} stream {connection} never fell behind: the burst did not exceed its queue");
    }

    /// <summary>Alice and Bob in a new room, and Bob's stream opened directly on a notification replica.</summary>
    private async Task<OpenedStream> OpenAsync(string label)
    {
        var alice = await ChatUser.SignInAsync(fixture, $"{format.Channel}-{label}-a");
        var bob = await ChatUser.SignInAsync(fixture, $"{format.Channel}-{label}-b");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        var cutsBefore = Cuts();
        var direct = await DirectClientAsync();
        using var request = format.Request(room, bob.Token, resumeAfter: null);
        var response = await direct.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new OpenedStream(alice, bob, room, cutsBefore, direct, response);
    }

    private sealed record OpenedStream(ChatUser Alice, ChatUser Bob, string Room, double CutsBefore, HttpClient Direct, HttpResponseMessage Response) : IDisposable
    {
        public void Dispose()
        {
            Response.Dispose();
            Direct.Dispose();
            Bob.Dispose();
            Alice.Dispose();
        }
    }

    private double Cuts() => fixture.Telemetry.Total("chatmesh.slow_consumer.disconnects", "chatmesh.channel", format.Channel);

    private async Task<HttpClient> DirectClientAsync()
    {
        var replica = (await Replicas.RunningAsync(fixture, "notification"))[0];
        return new HttpClient(new SocketsHttpHandler { UseCookies = false, ConnectCallback = SmallWindowConnectAsync })
        {
            BaseAddress = replica.Address,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Posts <paramref name="count"/> messages of ~12 KB, 8 at a time; the acknowledged ids, in order.</summary>
    private static async Task<List<long>> PostAsync(ChatUser alice, string room, int count)
    {
        var posted = new ConcurrentBag<long>();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancel },
            async (i, _) => posted.Add(await alice.PostAsync(room, $"{i} {Filler}")));
        return posted.Order().ToList();
    }

    /// <summary>Opens a resumed stream (through the proxy, as a browser would) and reads it until <paramref name="lastId"/> arrived.</summary>
    private async Task<List<StreamItem>> ReadUntilAsync(HttpClient http, string room, string token, long resumeAfter, long lastId)
    {
        using var client = http;
        using var request = format.Request(room, token, resumeAfter);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(Cancel);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        var items = new List<StreamItem>();
        await foreach (var item in format.ReadAsync(body, deadline.Token))
        {
            items.Add(item);
            if (item.Id == lastId || item.Type == "error")
            {
                break;
            }
        }

        return items;
    }

    private static async Task WaitForAsync(ConcurrentQueue<StreamItem> received, Task reading, long id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!received.Any(item => item.Id == id))
        {
            Assert.False(reading.IsCompleted, $"the stream ended before event {id}: {string.Join(", ", received.TakeLast(3).Select(item => item.Type + " " + item.Code))}");
            Assert.True(DateTime.UtcNow < deadline, $"event {id} did not arrive within 120 s ({received.Count} items read)");
            await Task.Delay(50, Cancel);
        }
    }

    private static List<long> Logged(IEnumerable<StreamItem> items) => [.. items.Where(item => item.Type == "message.created").Select(item => item.Id!.Value)];

    /// <summary>Connects with a small receive buffer, so the client's side of the connection holds little unread data.</summary>
    private static async ValueTask<System.IO.Stream> SmallWindowConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A slow link while <see cref="Slow"/>: at most 4 KB per 20 ms (~200 KB/s), then full speed.</summary>
    private sealed class SlowStream(System.IO.Stream inner) : System.IO.Stream
    {
        private const int SlowChunk = 4096;

        public volatile bool Slow = true;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!Slow)
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }

            await Task.Delay(20, cancellationToken);
            return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, SlowChunk)], cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
