using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatMesh.Testing.Faults;

/// <summary>
/// Long-poll: one queue, held polls with <c>lastEventId</c> = the last answer's cursor on any legacy replica; a queue
/// that expired or vanished is registered again and the gap replayed from <c>GET /api/events?after=</c>, as
/// docs/protocol.md ("Expiry") tells a client.
/// </summary>
internal sealed class PollReceiver(FaultContext context, DeliveryLog log, string token, int replica)
    : Receiver(context, log, token, replica), IDisposable
{
    private readonly HttpClient _http = FaultContext.NewHttpClient();
    // Gateway:Api:MaxPageLimit's default.
    private const int ReplayPage = 100;

    private string? _queue;
    private long? _replayTo;

    public int Reregistered { get; private set; }

    protected override string Service => "legacy";

    /// <summary>Registers the queue before traffic starts: its cursor is the head then.</summary>
    public async Task RegisterAsync(CancellationToken cancel)
    {
        for (var attempt = 0; ; attempt++)
        {
            var legacy = Context.Topology.Pick("legacy", attempt) ?? throw new InvalidOperationException("no legacy replica ready");
            try
            {
                (_queue, var cursor) = await RegisterAsync(legacy, cancel);
                Log.Advance(cursor);
                return;
            }
            catch (HttpRequestException ex) when (attempt < 10)
            {
                // A replica that is restarting: the next attempt picks the other one.
                Context.Ledger.Error($"register on {legacy}: {ex.Message}");
                await Task.Delay(500, cancel);
            }
        }
    }

    protected override async Task FollowAsync(Uri address, CancellationToken cancel)
    {
        Log.Connected();
        if (_replayTo is { } owed)
        {
            // A re-registration whose replay failed: finish it before polling the new queue (its cursor is that head).
            await ReplayUpToAsync(owed, cancel);
        }

        while (!cancel.IsCancellationRequested)
        {
            var query = $"lastEventId={Log.LastId.ToString(CultureInfo.InvariantCulture)}&timeout=5";
            using var request = Request(HttpMethod.Get, new Uri(address, $"/poll/queues/{_queue}/events?{query}"));
            using var response = await _http.SendAsync(request, cancel);
            var body = await response.Content.ReadAsStringAsync(cancel);
            Context.Answers.Http(response.StatusCode, body);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var answer = JsonDocument.Parse(body);
                foreach (var item in answer.RootElement.GetProperty("events").EnumerateArray())
                {
                    Log.Record(item, Context.Room);
                }

                if (answer.RootElement.TryGetProperty("reset", out var reset) && reset.GetBoolean())
                {
                    Log.Reset();
                }

                var events = answer.RootElement.GetProperty("events").GetArrayLength();
                Log.Advance(answer.RootElement.GetProperty("lastEventId").GetInt64(),
                    $"poll after {query} on :{address.Port} answered {events} events, heartbeat {answer.RootElement.GetProperty("heartbeat").GetBoolean()}");
                continue;
            }

            if (body.Contains("\"queue_expired\"", StringComparison.Ordinal) || body.Contains("\"queue_not_found\"", StringComparison.Ordinal))
            {
                Log.Note($"queue {_queue} gone on :{address.Port} ({(body.Contains("\"queue_expired\"", StringComparison.Ordinal) ? "queue_expired" : "queue_not_found")}) after {query}");
                await RegisterAgainAsync(address, cancel);
                continue;
            }

            throw new HttpRequestException($"poll answered {(int)response.StatusCode}: {body}");
        }
    }

    /// <summary>
    /// A new queue starts at the head H; what came between the old cursor and H comes from the REST replay. The new queue
    /// is kept at once (registering again on every failed replay would leak queues up to the per-user cap), and a replay
    /// cut by a failure is finished on the next connection.
    /// </summary>
    private async Task RegisterAgainAsync(Uri legacy, CancellationToken cancel)
    {
        var (queue, head) = await RegisterAsync(legacy, cancel);
        Log.Note($"registered {queue} on :{legacy.Port} at head {head}, replaying after {Log.LastId}");
        _queue = queue;
        _replayTo = head;
        Reregistered++;
        await ReplayUpToAsync(head, cancel);
    }

    private async Task ReplayUpToAsync(long head, CancellationToken cancel)
    {
        var gateway = Context.Topology.Pick("gateway", Reregistered) ?? throw new InvalidOperationException("no gateway replica ready");
        var after = Log.LastId;
        while (after < head)
        {
            using var request = Request(HttpMethod.Get, new Uri(gateway, $"/api/events?after={after.ToString(CultureInfo.InvariantCulture)}&limit={ReplayPage.ToString(CultureInfo.InvariantCulture)}"));
            using var response = await _http.SendAsync(request, cancel);
            var text = await response.Content.ReadAsStringAsync(cancel);
            Context.Answers.Http(response.StatusCode, text);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"replay after {after} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
            }

            using var replay = JsonDocument.Parse(text);
            var events = replay.RootElement.GetProperty("events").EnumerateArray().ToList();
            foreach (var item in events.Where(item => item.GetProperty("id").GetInt64() <= head))
            {
                Log.Record(item, Context.Room);
            }

            if (events.Count == 0 || !replay.RootElement.GetProperty("more").GetBoolean())
            {
                break;
            }

            after = events[^1].GetProperty("id").GetInt64();
        }

        Log.Advance(head, $"replayed up to the new queue's head {head}");
        _replayTo = null;
    }

    private async Task<(string Queue, long Cursor)> RegisterAsync(Uri legacy, CancellationToken cancel)
    {
        using var request = Request(HttpMethod.Post, new Uri(legacy, "/poll/queues"));
        request.Content = JsonContent.Create(new { rooms = new[] { Context.Room }, types = new[] { "message.created" } });
        using var response = await _http.SendAsync(request, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);
        Context.Answers.Http(response.StatusCode, text);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("queueId").GetString()!, body.RootElement.GetProperty("lastEventId").GetInt64());
    }

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return request;
    }

    public void Dispose() => _http.Dispose();
}
