using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatMesh.Testing.Faults;

/// <summary>
/// Sends messages one at a time, each with its own idempotency key, and retries an unanswered or refused send with
/// the same key (on another replica if its own is gone) until it is acknowledged, as docs/protocol.md tells a client.
/// </summary>
internal abstract class Sender(FaultContext context, string name) : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    protected FaultContext Context { get; } = context;

    protected int Attempt { get; private set; }

    public string Name { get; } = name;

    public async Task RunAsync(CancellationToken stopSending, CancellationToken abort)
    {
        for (var n = 0; !stopSending.IsCancellationRequested; n++)
        {
            var key = $"{Name}-{n}";
            Context.Ledger.Started();
            List<StalledAttempt> stalls = [];
            for (var attempts = 1; ; attempts++)
            {
                var started = Stopwatch.GetTimestamp();
                (long Id, bool Duplicate)? ack = null;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
                timeout.CancelAfter(AnswerTimeout);
                try
                {
                    ack = await SendOnceAsync(key, timeout.Token);
                }
                catch (Exception ex) when (!abort.IsCancellationRequested)
                {
                    var unanswered = ex is OperationCanceledException && timeout.IsCancellationRequested;
                    Context.Ledger.Error(unanswered ? SendLedger.Unanswered : ex.GetType().Name);
                    if (unanswered)
                    {
                        var stall = new StalledAttempt(Name, key, attempts, Context.Clock.Elapsed - Stopwatch.GetElapsedTime(started), State());
                        stalls.Add(stall);
                        Context.Trace.Stalled(stall);
                    }

                    Note($"attempt {attempts} of {key} failed: {(unanswered ? SendLedger.Unanswered : ex.GetType().Name + " " + ex.Message)}");
                    await DropAsync();
                }

                Context.Ledger.Waited(Stopwatch.GetElapsedTime(started));
                if (ack is { } answered)
                {
                    Context.Ledger.Acknowledged(key, answered.Id, answered.Duplicate, attempts);
                    foreach (var stall in stalls)
                    {
                        stall.Outcome = string.Create(CultureInfo.InvariantCulture,
                            $"acknowledged at {Context.Clock.Elapsed.TotalSeconds:0.000} s on attempt {attempts}: id {answered.Id}{(answered.Duplicate ? " duplicate (the stalled attempt had committed)" : " (the stalled attempt had not committed)")}");
                    }

                    break;
                }

                Attempt++;
                await Task.Delay(200, abort);
            }

            await Task.Delay(Context.SendInterval, abort);
        }

        await DropAsync();
    }

    /// <summary>Records what this sender's connection did, on the case clock (see <see cref="SenderTrace"/>).</summary>
    protected void Note(string what) => Context.Trace.Note(Name, Context.Clock.Elapsed, what);

    /// <summary>What the attempt in flight is doing now: connecting, sending, or waiting for the answer, and on which connection.</summary>
    protected abstract string State();

    /// <summary>One attempt: the ack's id, or null after a refusal (recorded) that the sender retries.</summary>
    protected abstract Task<(long Id, bool Duplicate)?> SendOnceAsync(string key, CancellationToken cancel);

    protected abstract Task DropAsync();

    public abstract void Cut();

    public virtual void Dispose()
    {
    }
}

/// <summary>A WebSocket sender: <c>send</c> frames with <c>key</c>, answered by <c>ack</c> or <c>error</c>.</summary>
internal sealed class WsSender(FaultContext context, string name, string token, int replica) : Sender(context, name)
{
    private WsConnection? _connection;
    private TaskCompletionSource<JsonElement>? _answer;
    private string? _pending;
    private string _phase = "idle";
    private Uri? _gateway;

    protected override string State()
    {
        var connection = _connection;
        var frames = connection is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $", {connection.Frames} frames received, the last {(Environment.TickCount64 - connection.LastFrameAt) / 1000.0:0.0} s ago, ended: {(connection.Ended.IsCompleted ? connection.EndedBy ?? "yes" : "no")}");
        return $"{_phase} (gateway {_gateway}, connection {connection?.ConnectionId ?? "none"}{frames})";
    }

    protected override async Task<(long Id, bool Duplicate)?> SendOnceAsync(string key, CancellationToken cancel)
    {
        if (_connection is null || _connection.Ended.IsCompleted)
        {
            await DropAsync();
            var gateway = Context.Topology.Pick("gateway", replica + Attempt) ?? throw new InvalidOperationException("no gateway replica ready");
            _gateway = gateway;
            _phase = "connecting (upgrade not answered)";
            Note($"connecting to {gateway}");
            var connection = await WsConnection.ConnectAsync(gateway, token, OnFrame, Context.Answers, cancel);
            _connection = connection;
            Note("upgraded");
            _ = connection.Ended.ContinueWith(
                _ =>
                {
                    Note($"connection {connection.ConnectionId} ended: {connection.EndedBy ?? "disposed by the sender"}");
                    Context.Trace.Ended(Name, connection.EndedBy ?? "disposed by the sender");
                }, TaskScheduler.Default);
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _pending, key);
        Volatile.Write(ref _answer, answer);
        _phase = "sending the frame";
        await _connection.SendAsync(new { type = "send", @ref = key, room = Context.Room, text = key, key }, cancel);
        _phase = "frame sent, waiting for ack or error";
        if (await Task.WhenAny(answer.Task, _connection.Ended).WaitAsync(cancel) != answer.Task)
        {
            throw new IOException("the connection ended before the answer");
        }

        var frame = await answer.Task;
        if (frame.GetProperty("type").GetString() == "error")
        {
            var code = frame.GetProperty("code").GetString();
            Context.Answers.Error("ws", code);
            Context.Ledger.Error($"ws {code}");
            return null;
        }

        Context.Answers.Ack();
        return (frame.GetProperty("id").GetInt64(), frame.TryGetProperty("duplicate", out var duplicate) && duplicate.GetBoolean());
    }

    private void OnFrame(JsonElement frame)
    {
        if (frame.TryGetProperty("ref", out var reference) && reference.GetString() == Volatile.Read(ref _pending)
            && frame.GetProperty("type").GetString() is "ack" or "error")
        {
            Volatile.Read(ref _answer)?.TrySetResult(frame.Clone());
        }
    }

    protected override async Task DropAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    public override void Cut() => _connection?.Abort();
}

/// <summary>A long-poll client's sender: <c>POST /poll/rooms/{room}/messages</c> with <c>Idempotency-Key</c>, 201 or 200 duplicate.</summary>
internal sealed class PollSender(FaultContext context, string name, string token) : Sender(context, name)
{
    private readonly HttpClient _http = FaultContext.NewHttpClient();
    private CancellationTokenSource _cut = new();
    private string _state = "idle";

    protected override string State() => _state;

    protected override async Task<(long Id, bool Duplicate)?> SendOnceAsync(string key, CancellationToken cancel)
    {
        var legacy = Context.Topology.Pick("legacy", Attempt) ?? throw new InvalidOperationException("no legacy replica ready");
        _state = $"POST to {legacy}, no response";
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, _cut.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(legacy, $"/poll/rooms/{Context.Room}/messages"))
        {
            Content = JsonContent.Create(new { text = key }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await _http.SendAsync(request, linked.Token);
        var text = await response.Content.ReadAsStringAsync(linked.Token);
        Context.Answers.Http(response.StatusCode, text);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            Context.Ledger.Error($"poll POST {(int)response.StatusCode}");
            return null;
        }

        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("id").GetInt64(), body.RootElement.GetProperty("duplicate").GetBoolean());
    }

    protected override Task DropAsync() => Task.CompletedTask;

    public override void Dispose() => _http.Dispose();

    public override void Cut()
    {
        var old = Interlocked.Exchange(ref _cut, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }
}
