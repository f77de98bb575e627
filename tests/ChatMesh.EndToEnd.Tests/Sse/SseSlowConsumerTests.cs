using System.Globalization;
using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Sse;

/// <summary>
/// A client that stops reading is cut off with a last <c>error</c> event that says why, and loses nothing: resuming
/// from the last event it saw gives it the rest, exactly once. The stream is opened directly on one notification
/// replica (not through Aspire's proxy, which would buffer what the service writes) with a small receive window.
/// </summary>
public sealed class SseSlowConsumerTests(ChatMeshAppFixture fixture)
{
    // Each message is ~12 KB on the wire; enough of them to fill the socket buffers (a few MB) and then the queue.
    private const int Messages = 1_200;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_that_stops_reading_gets_slow_consumer_and_resumes_without_loss_or_duplicate()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "slow-a");
        using var bob = await ChatUser.SignInAsync(fixture, "slow-b");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        var replica = (await Replicas.RunningAsync(fixture, "notification"))[0];
        using var direct = new HttpClient(new SocketsHttpHandler { UseCookies = false, ConnectCallback = SmallWindowConnectAsync })
        {
            BaseAddress = replica.Address,
            Timeout = Timeout.InfiniteTimeSpan,
        };

        using var request = SseClient.Request($"/sse?rooms={room}", bob.Token);
        using var response = await direct.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(Cancel);

        // Bob reads nothing while Alice posts (each message acknowledged, so durable).
        var posted = new ConcurrentBag<long>();
        var filler = new string('€', 3_990);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, Messages),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancel },
            async (i, _) => posted.Add(await alice.PostAsync(room, $"{i} {filler}")));
        var all = posted.Order().ToList();

        // Now he reads: what was already on the wire, then the stream ends with the reason.
        var received = new List<SseItem<string>>();
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(90));
            await foreach (var item in SseParser.Create(body).EnumerateAsync(deadline.Token))
            {
                received.Add(item);
            }
        }

        var last = received[^1];
        Assert.Equal("error", last.EventType);
        Assert.Equal("slow_consumer", JsonDocument.Parse(last.Data).RootElement.GetProperty("code").GetString());
        var seen = received.Where(item => item.EventType == "message.created").Select(item => long.Parse(item.EventId!, CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(seen.Count, 1, all.Count - 1);
        Assert.Equal(all.Take(seen.Count), seen);

        // EventSource would reconnect with Last-Event-ID: the rest arrives once, in order.
        using var http = StreamClients.Create(fixture);
        await using var resumed = await SseClient.ConnectAsync(http, $"/sse?rooms={room}", bob.Token, lastEventId: seen[^1].ToString(CultureInfo.InvariantCulture));
        var rest = all.Skip(seen.Count).ToList();
        await resumed.WaitUntilAsync(events => events.Count(e => e.Type == "message.created") >= rest.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(rest, resumed.Logged.Where(e => e.Type == "message.created").Select(e => long.Parse(e.Id!, CultureInfo.InvariantCulture)));
    }

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
}
