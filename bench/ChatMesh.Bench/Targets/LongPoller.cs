using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatMesh.Bench.Targets;

/// <summary>
/// One event queue polled in a loop, as a legacy client does: <c>GET /poll/queues/{id}/events?lastEventId=…&amp;timeout=30</c>,
/// then again at once with the answer's <c>lastEventId</c>. Every event's timestamp is recorded when its answer arrives.
/// On the raw Kestrel floor (<see cref="StartRaw"/>) the same loop polls <c>GET /poll?after=…&amp;timeout=30</c>, no token.
/// </summary>
internal sealed class LongPoller : IAsyncDisposable
{
    private static long s_held;
    private static long s_answers;
    private static long s_failures;
    private static long s_failuresLogged;

    private readonly HttpClient _http;
    private readonly string? _token;
    private readonly string _path;
    private readonly LatencyRecorder _recorder;
    private readonly CancellationTokenSource _stop = new();
    private long _cursor;
    private Task _polling = Task.CompletedTask;

    private LongPoller(HttpClient http, string? token, string path, long cursor, LatencyRecorder recorder)
    {
        _http = http;
        _token = token;
        _path = path;
        _cursor = cursor;
        _recorder = recorder;
    }

    /// <summary>Polls the client has sent and not yet had answered (held by the server when idle).</summary>
    public static long Held => Interlocked.Read(ref s_held);

    /// <summary>How long the server holds each poll without events (<c>timeout=30</c>) before a heartbeat answer.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Polls answered (heartbeats included) since <see cref="ResetCounters"/>.</summary>
    public static long Answers => Interlocked.Read(ref s_answers);

    /// <summary>Polls answered with an error status or broken.</summary>
    public static long Failures => Interlocked.Read(ref s_failures);

    public static async Task<LongPoller> RegisterAsync(HttpClient http, string token, LatencyRecorder recorder, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/poll/queues") { Content = JsonContent.Create(new { }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /poll/queues answered {(int)response.StatusCode}: {body}");
        }

        using var json = JsonDocument.Parse(body);
        var path = $"/poll/queues/{json.RootElement.GetProperty("queueId").GetString()}/events?timeout=30&lastEventId=";
        return new LongPoller(http, token, path, json.RootElement.GetProperty("lastEventId").GetInt64(), recorder).Start();
    }

    /// <summary>Polls the raw Kestrel floor's <c>GET /poll</c> from event 0 (the bench opens every poll before the first message).</summary>
    public static LongPoller StartRaw(HttpClient http, LatencyRecorder recorder) =>
        new LongPoller(http, token: null, "/poll?timeout=30&after=", cursor: 0, recorder).Start();

    /// <summary>Zeroes <see cref="Held"/>'s and <see cref="Failures"/>' counts (each server of a run counts its own).</summary>
    public static void ResetCounters()
    {
        Interlocked.Exchange(ref s_held, 0);
        Interlocked.Exchange(ref s_answers, 0);
        Interlocked.Exchange(ref s_failures, 0);
        Interlocked.Exchange(ref s_failuresLogged, 0);
    }

    private LongPoller Start()
    {
        _polling = PollAsync();
        return this;
    }

    private async Task PollAsync()
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            Interlocked.Increment(ref s_held);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"{_path}{_cursor}"));
                if (_token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
                }

                using var response = await _http.SendAsync(request, _stop.Token);
                var body = await response.Content.ReadAsByteArrayAsync(_stop.Token);
                var now = System.Diagnostics.Stopwatch.GetTimestamp();
                Interlocked.Decrement(ref s_held);
                Interlocked.Increment(ref s_answers);
                if (!response.IsSuccessStatusCode)
                {
                    Fail($"{(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                    continue;
                }

                Payload.RecordAll(body, _recorder, now);
                _cursor = ReadCursor(body) ?? _cursor;
            }
            catch (Exception ex) when (ex is OperationCanceledException && _stop.IsCancellationRequested)
            {
                Interlocked.Decrement(ref s_held);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or JsonException)
            {
                Interlocked.Decrement(ref s_held);
                Fail(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }
    }

    /// <summary>The answer's top-level <c>lastEventId</c>, read with a forward-only reader (no document).</summary>
    private static long? ReadCursor(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (reader.ValueTextEquals("lastEventId"u8))
                {
                    reader.Read();
                    return reader.GetInt64();
                }

                reader.Read();
                reader.Skip();
            }
        }

        return null;
    }

    private static void Fail(string detail)
    {
        Interlocked.Increment(ref s_failures);
        if (Interlocked.Increment(ref s_failuresLogged) <= 5)
        {
            Console.WriteLine($"   poll failed: {detail}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _stop.Dispose();
    }
}
