using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Faults;

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
                    Context.Ledger.Error(ex is OperationCanceledException && timeout.IsCancellationRequested ? SendLedger.Unanswered : ex.GetType().Name);
                    await DropAsync();
                }

                Context.Ledger.Waited(Stopwatch.GetElapsedTime(started));
                if (ack is { } answered)
                {
                    Context.Ledger.Acknowledged(key, answered.Id, answered.Duplicate, attempts);
                    break;
                }

                Attempt++;
                await Task.Delay(200, abort);
            }

            await Task.Delay(Context.SendInterval, abort);
        }

        await DropAsync();
    }

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

    protected override async Task<(long Id, bool Duplicate)?> SendOnceAsync(string key, CancellationToken cancel)
    {
        if (_connection is null || _connection.Ended.IsCompleted)
        {
            await DropAsync();
            var gateway = Context.Topology.Pick("gateway", replica + Attempt) ?? throw new InvalidOperationException("no gateway replica ready");
            _connection = await WsConnection.ConnectAsync(gateway, token, OnFrame, cancel);
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _pending, key);
        Volatile.Write(ref _answer, answer);
        await _connection.SendAsync(new { type = "send", @ref = key, room = Context.Room, text = key, key }, cancel);
        if (await Task.WhenAny(answer.Task, _connection.Ended).WaitAsync(cancel) != answer.Task)
        {
            throw new IOException("the connection ended before the answer");
        }

        var frame = await answer.Task;
        if (frame.GetProperty("type").GetString() == "error")
        {
            Context.Ledger.Error($"ws {frame.GetProperty("code").GetString()}");
            return null;
        }

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

    protected override async Task<(long Id, bool Duplicate)?> SendOnceAsync(string key, CancellationToken cancel)
    {
        var legacy = Context.Topology.Pick("legacy", Attempt) ?? throw new InvalidOperationException("no legacy replica ready");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, _cut.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(legacy, $"/poll/rooms/{Context.Room}/messages"))
        {
            Content = JsonContent.Create(new { text = key }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await _http.SendAsync(request, linked.Token);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            Context.Ledger.Error($"poll POST {(int)response.StatusCode}");
            return null;
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(linked.Token));
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
