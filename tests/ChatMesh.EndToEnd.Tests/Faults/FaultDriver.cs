using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatMesh.Testing.Faults;

/// <summary>
/// Live traffic on every channel for one fault case: WebSocket and long-poll senders (each send with its own
/// idempotency key, retried with it until acknowledged), and two followers per channel (one per replica at first)
/// on WebSocket, SSE, NDJSON and long-poll, plus a webhook endpoint. <see cref="InjectAsync"/> marks when the fault
/// starts; <see cref="FinishAsync"/> stops sending, waits for every acknowledged message to reach every follower and
/// returns the case's <see cref="FaultRow"/>.
/// </summary>
public sealed class FaultDriver : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    // Each sender waits this long after an answer before its next send: a WebSocket sender then stays within the
    // gateway's frame rate limit (Gateway:WebSocket:FramesPerSecond, 20/s), as a client that honours hello's limits does.
    private static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(55);
    private readonly FaultContext _context;
    private readonly List<Sender> _senders = [];
    private readonly List<Receiver> _receivers = [];
    private readonly List<Task> _running = [];
    private readonly CancellationTokenSource _stopSending = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly string _case;
    private WebhookSink? _sink;
    private string _gapsBeforeResume = "";
    private TimeSpan? _faultAt;
    private TimeSpan? _repairedAt;

    private FaultDriver(string caseName, FaultContext context)
    {
        _case = caseName;
        _context = context;
    }

    public IEnumerable<DeliveryLog> Logs => _receivers.Select(receiver => receiver.Log).Concat(_sink is null ? [] : [_sink.Log]);

    public static async Task<FaultDriver> StartAsync(Topology topology, string caseName, CancellationToken cancel, bool webhook = true)
    {
        var room = $"faults-{Guid.NewGuid():N}"[..20];
        var driver = new FaultDriver(caseName, new FaultContext(topology, room, SendInterval));
        await driver.SetUpAsync(webhook, cancel);
        return driver;
    }

    private async Task SetUpAsync(bool webhook, CancellationToken cancel)
    {
        using var http = FaultContext.NewHttpClient();
        var gateway = await ListeningGatewayAsync(cancel);
        var tag = Guid.NewGuid().ToString("N")[..8];
        async Task<string> SignInAsync(string role)
        {
            using var response = await http.PostAsJsonAsync(new Uri(gateway, "/api/auth/sign-in"), new { userName = $"f{tag}{role}" }, cancel);
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
            return body.RootElement.GetProperty("token").GetString()!;
        }

        async Task SendAsync(string token, HttpMethod method, string path, object? body, HttpStatusCode expected)
        {
            using var request = new HttpRequestMessage(method, path.StartsWith("http", StringComparison.Ordinal) ? new Uri(path) : new Uri(gateway, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            using var response = await http.SendAsync(request, cancel);
            if (response.StatusCode != expected)
            {
                throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancel)}");
            }
        }

        var owner = await SignInAsync("own");
        await SendAsync(owner, HttpMethod.Post, "/api/rooms", new { id = _context.Room, name = _context.Room, kind = "public" }, HttpStatusCode.Created);
        async Task<string> MemberAsync(string role)
        {
            var token = await SignInAsync(role);
            await SendAsync(token, HttpMethod.Post, $"/api/rooms/{_context.Room}/join", null, HttpStatusCode.OK);
            return token;
        }

        _senders.Add(new WsSender(_context, $"{tag}-ws0", owner, 0));
        _senders.Add(new WsSender(_context, $"{tag}-ws1", await MemberAsync("s1"), 1));
        _senders.Add(new PollSender(_context, $"{tag}-poll", await MemberAsync("s2")));
        for (var replica = 0; replica < 2; replica++)
        {
            _receivers.Add(new WsReceiver(_context, Log("ws", replica), await MemberAsync($"w{replica}"), replica));
            _receivers.Add(new StreamReceiver(_context, Log("sse", replica), await MemberAsync($"e{replica}"), replica, ndjson: false));
            _receivers.Add(new StreamReceiver(_context, Log("ndjson", replica), await MemberAsync($"n{replica}"), replica, ndjson: true));
            _receivers.Add(new PollReceiver(_context, Log("poll", replica), await MemberAsync($"p{replica}"), replica));
        }

        if (webhook)
        {
            _sink = await WebhookSink.StartAsync(Log("webhook", 0), _context.Room, cancel);
            var integration = _context.Topology.Pick("integration", 0) ?? throw new InvalidOperationException("no integration instance ready");
            await SendAsync(owner, HttpMethod.Post, new Uri(integration, "/api/webhooks/endpoints").ToString(),
                new { url = _sink.Url, description = "faults", eventTypes = new[] { "message.created" }, rooms = new[] { _context.Room } }, HttpStatusCode.Created);
        }

        foreach (var poll in _receivers.OfType<PollReceiver>())
        {
            await poll.RegisterAsync(cancel);
        }

        // Everything after the head now is this case's traffic: every follower starts (resumes) from it.
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "/api/events?limit=1")))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner);
            using var response = await http.SendAsync(request, cancel);
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
            var head = body.RootElement.GetProperty("head").GetInt64();
            foreach (var receiver in _receivers)
            {
                receiver.Log.Advance(head);
            }
        }

        _running.AddRange(_receivers.Select(receiver => Task.Run(() => receiver.RunAsync(_stopReceiving.Token), CancellationToken.None)));
        await WaitAsync(() => _receivers.All(receiver => receiver.Log.Connects > 0), TimeSpan.FromSeconds(30), "every follower connected", cancel);
        _running.AddRange(_senders.Select(sender => Task.Run(() => sender.RunAsync(_stopSending.Token, _abort.Token), CancellationToken.None)));
        // Healthy before the fault: every channel has delivered traffic.
        try
        {
            await WaitAsync(() => Logs.All(log => log.Count > 0), TimeSpan.FromSeconds(30), "every channel delivering", cancel);
        }
        catch (TimeoutException ex)
        {
            // Which client never got the first messages, and how its WebSocket (if any) ended: the set-up failure's cause.
            throw new TimeoutException($"{ex.Message} Silent: {string.Join(", ", Logs.Where(log => log.Count == 0).Select(log => $"{log.Client} (connects {log.Connects})"))}; WebSocket ends: {_context.Trace.Ends}; sender errors: {Errors()}", ex);
        }
    }

    private DeliveryLog Log(string channel, int index) => new(channel, $"{channel}-{index}", _context.Clock);

    /// <summary>A gateway replica that accepts connections (<see cref="Topology.ReadyAddresses"/> lists only those).</summary>
    private async Task<Uri> ListeningGatewayAsync(CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Uri? gateway;
        while ((gateway = _context.Topology.Pick("gateway", 0)) is null)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("no gateway replica accepted a connection within 60 s");
            }

            await Task.Delay(200, cancel);
        }

        return gateway;
    }

    /// <summary>Runs the fault (and its repair) while traffic flows; the recovery clock starts here.</summary>
    public async Task InjectAsync(Func<Task> fault)
    {
        _faultAt = _context.Clock.Elapsed;
        await fault();
        _repairedAt = _context.Clock.Elapsed;
    }

    /// <summary>Messages acknowledged so far.</summary>
    public int Acked => _context.Ledger.Acked;

    /// <summary>The attempts that got no answer within 10 s, each with what its sender's connection did around it.</summary>
    public IReadOnlyCollection<StalledAttempt> Stalls => _context.Trace.Stalls;

    /// <summary>WebSockets of the case (followers or senders) the gateway closed 4000 slow_consumer.</summary>
    public int SlowConsumerCloses => _context.Trace.EndedWith(4000);

    /// <summary>Now, on the case clock (the one <see cref="DeliveryLog"/> times deliveries with).</summary>
    public TimeSpan Now => _context.Clock.Elapsed;

    /// <summary>The wall-clock time of a point on the case clock.</summary>
    public DateTimeOffset WallClock(TimeSpan at) => _context.StartedAt + at;

    /// <summary>Drops every client's connection at once without a close (each channel's client then resumes).</summary>
    public void CutEveryClient()
    {
        foreach (var receiver in _receivers)
        {
            receiver.Cut();
        }

        foreach (var sender in _senders)
        {
            sender.Cut();
        }
    }

    public async Task<FaultRow> FinishAsync(TimeSpan trafficAfterRepair, CancellationToken cancel)
    {
        await Task.Delay(trafficAfterRepair, cancel);
        var stoppedAt = _context.Clock.Elapsed;
        await _stopSending.CancelAsync();
        var senders = Task.WhenAll(_running.Skip(_receivers.Count));
        if (await Task.WhenAny(senders, Task.Delay(DrainTimeout, cancel)) != senders)
        {
            throw new TimeoutException($"A sender still had an unacknowledged send {DrainTimeout.TotalSeconds} s after sending stopped: errors {Errors()}");
        }

        await senders;

        var acked = _context.Ledger.AckedIds;
        var delivered = await WaitUntilDeliveredAsync(acked, DrainTimeout, cancel);
        var liveGaps = Logs.Sum(log => log.Missing(acked));
        _gapsBeforeResume = string.Join(", ", Logs.Select(log => $"{log.Client} {log.Missing(acked)}"));
        if (!delivered)
        {
            // A connected client that silently missed events: make every follower resume, as after any disconnect.
            CutEveryClient();
            await WaitUntilDeliveredAsync(acked, TimeSpan.FromSeconds(30), cancel);
        }

        var logs = Logs.ToList();
        var faultAt = _faultAt ?? throw new InvalidOperationException("No fault was injected.");
        return new FaultRow(
            _case,
            _context.Ledger.Sent,
            _context.Ledger.Acked,
            _context.Ledger.UnackedCommitted,
            logs.GroupBy(log => log.Channel).ToDictionary(group => group.Key, group => group.Min(log => acked.Count - log.Missing(acked)), StringComparer.Ordinal),
            logs.Sum(log => log.Missing(acked)),
            liveGaps,
            logs.Sum(log => log.Duplicates + log.DoubledTexts) + _context.Ledger.DifferentIds,
            _sink?.Redeliveries ?? 0,
            logs.Sum(log => log.Resets),
            logs.Max(log => log.LongestPause(faultAt, stoppedAt)),
            _context.Ledger.LongestWait,
            _context.Ledger.UnansweredAttempts,
            _context.Answers.ServerErrors + _context.Trace.EndedWith(1011),
            Answers(),
            Errors());
    }

    /// <summary>Per client, what is missing (for a failure message).</summary>
    public string Describe(FaultRow row)
    {
        var acked = _context.Ledger.AckedIds;
        return $"{row.ToMarkdown()}\ntopology: {string.Join(", ", _context.Topology.Of("gateway").Concat(_context.Topology.Of("legacy")).Concat(_context.Topology.Of("notification")))}\nper client: {string.Join(", ", Logs.Select(log => $"{log.Client} missing {log.Missing(acked)} dup {log.Duplicates} doubled {log.DoubledTexts} connects {log.Connects}"))}\nconnection ends per client: {string.Join(" | ", Logs.Where(log => log.Connects > 1).Select(log => $"{log.Client}: {log.Ends()}"))}\nclient notes: {string.Join(" | ", Logs.Where(log => log.Notes() != "-").Select(log => $"{log.Client}: {log.Notes()}"))}\ncursor moves over missing ids: {string.Join(" | ", Logs.Where(log => log.Missing(acked) > 0).Select(log => $"{log.Client}: {log.MovesOver(acked)}"))}\nmissing per client when traffic had drained (before the forced resume): {_gapsBeforeResume}\nsender errors: {row.Errors}\nfault at {_faultAt?.TotalSeconds:0.000} s, repaired at {_repairedAt?.TotalSeconds:0.000} s; WebSocket ends: {_context.Trace.Ends}\nunanswered attempts:\n{_context.Trace.Describe()}";
    }

    /// <summary>The answer tally, with the WebSocket closes 1011 (counted by the trace) added.</summary>
    private string Answers() => _context.Trace.EndedWith(1011) is var closes and > 0 ? $"{_context.Answers}, ws close 1011 ×{closes}" : _context.Answers.ToString();

    private string Errors() => string.Join(", ", _context.Ledger.Errors.Select(error => $"{error.Key} ×{error.Value}"));

    private async Task<bool> WaitUntilDeliveredAsync(IReadOnlyCollection<long> acked, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Logs.Any(log => log.Missing(acked) > 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200, cancel);
        }

        return true;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not {what} within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(100, cancel);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopSending.CancelAsync();
        await _stopReceiving.CancelAsync();
        await _abort.CancelAsync();
        foreach (var receiver in _receivers)
        {
            receiver.Cut();
        }

        await Task.WhenAll(_running).ContinueWith(static _ => { }, TaskScheduler.Default);
        foreach (var disposable in _senders.Cast<IDisposable>().Concat(_receivers.OfType<IDisposable>()))
        {
            disposable.Dispose();
        }

        if (_sink is not null)
        {
            await _sink.DisposeAsync();
        }

        _stopSending.Dispose();
        _stopReceiving.Dispose();
        _abort.Dispose();
    }
}
