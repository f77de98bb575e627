using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace ChatMesh.Testing.Faults;

/// <summary>A client that follows the room on one channel, reconnecting and resuming as docs/protocol.md says, until stopped.</summary>
internal abstract class Receiver(FaultContext context, DeliveryLog log, string token, int replica)
{
    protected FaultContext Context { get; } = context;

    protected string Token { get; } = token;

    public DeliveryLog Log { get; } = log;

    private CancellationTokenSource _cut = new();
    private int _attempt;

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var connection = Volatile.Read(ref _cut);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, connection.Token);
            try
            {
                var address = Context.Topology.Pick(Service, replica + _attempt);
                if (address is not null)
                {
                    await FollowAsync(address, linked.Token);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException
                                           or JsonException or InvalidOperationException or TimeoutException)
            {
                // The connection failed or was cut: reconnect (another replica on the next attempt) and resume.
                if (!stop.IsCancellationRequested)
                {
                    Log.Ended(ex);
                }
            }

            _attempt++;
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    protected abstract string Service { get; }

    /// <summary>Connects once, resuming from <see cref="DeliveryLog.LastId"/>, and reads until the connection ends.</summary>
    protected abstract Task FollowAsync(Uri address, CancellationToken cancel);

    /// <summary>Drops the current connection without a close (the client's network went away); the loop resumes.</summary>
    public void Cut()
    {
        var old = Interlocked.Exchange(ref _cut, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
        CutSocket();
    }

    protected virtual void CutSocket()
    {
    }
}

/// <summary>WebSocket: <c>subscribe</c> with <c>after</c> = the last event id received.</summary>
internal sealed class WsReceiver(FaultContext context, DeliveryLog log, string token, int replica) : Receiver(context, log, token, replica)
{
    private WsConnection? _connection;

    protected override string Service => "gateway";

    protected override async Task FollowAsync(Uri address, CancellationToken cancel)
    {
        await using var connection = await WsConnection.ConnectAsync(address, Token, OnFrame, Context.Answers, cancel);
        _connection = connection;
        Log.Connected();
        try
        {
            await connection.SendAsync(new { type = "subscribe", after = Log.LastId }, cancel);
            await connection.Ended.WaitAsync(cancel);
        }
        finally
        {
            Context.Trace.Ended(Log.Client, connection.Ended.IsCompleted ? connection.EndedBy ?? "ended" : "cut by the driver");
        }
    }

    private void OnFrame(JsonElement frame)
    {
        if (frame.TryGetProperty("type", out var type) && type.GetString() == "reset")
        {
            Log.Reset();
        }
        else if (type.ValueKind == JsonValueKind.String && type.GetString() == "error")
        {
            Context.Answers.Error("ws", frame.TryGetProperty("code", out var code) ? code.GetString() : null);
        }

        if (frame.TryGetProperty("id", out _) && type.GetString() != "ack")
        {
            Log.Record(frame, Context.Room);
        }
    }

    protected override void CutSocket() => _connection?.Abort();
}

/// <summary>SSE (<c>Last-Event-ID</c>) or NDJSON (<c>?after=</c>) from one notification replica, filtered to the room.</summary>
internal sealed class StreamReceiver(FaultContext context, DeliveryLog log, string token, int replica, bool ndjson)
    : Receiver(context, log, token, replica), IDisposable
{
    private readonly HttpClient _http = FaultContext.NewHttpClient(Timeout.InfiniteTimeSpan);

    protected override string Service => "notification";

    protected override async Task FollowAsync(Uri address, CancellationToken cancel)
    {
        var path = ndjson ? $"/stream?rooms={Context.Room}&after={Log.LastId}" : $"/sse?rooms={Context.Room}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (!ndjson)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Headers.Add("Last-Event-ID", Log.LastId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (!response.IsSuccessStatusCode)
        {
            Context.Answers.Http(response.StatusCode, await response.Content.ReadAsStringAsync(cancel));
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}");
        }

        Context.Answers.Http(response.StatusCode);
        Log.Connected();
        await using var body = await response.Content.ReadAsStreamAsync(cancel);
        if (ndjson)
        {
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync(cancel) is { } line)
            {
                if (line.Length > 0)
                {
                    using var document = JsonDocument.Parse(line);
                    OnItem(document.RootElement);
                }
            }
        }
        else
        {
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cancel))
            {
                if (item.EventType == "reset")
                {
                    Log.Reset();
                }
                else if (item.EventType == "error")
                {
                    using var error = JsonDocument.Parse(item.Data);
                    Context.Answers.Error("sse", error.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null);
                }
                else if (item.EventId is not null)
                {
                    using var document = JsonDocument.Parse(item.Data);
                    Log.Record(document.RootElement, Context.Room);
                }
            }
        }
    }

    private void OnItem(JsonElement line)
    {
        if (line.TryGetProperty("id", out _))
        {
            Log.Record(line, Context.Room);
        }
        else if (line.TryGetProperty("type", out var type) && type.GetString() == "reset")
        {
            Log.Reset();
        }
        else if (type.ValueKind == JsonValueKind.String && type.GetString() == "error")
        {
            Context.Answers.Error("ndjson", line.TryGetProperty("code", out var code) ? code.GetString() : null);
        }
    }

    public void Dispose() => _http.Dispose();
}
