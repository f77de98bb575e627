using System.Net.Http.Headers;
using System.Net.ServerSentEvents;

namespace ChatMesh.EndToEnd.Tests.Support;

/// <summary>One received Server-Sent Event: its <c>event:</c> type, <c>id:</c> (null when absent) and data.</summary>
public sealed record SseEvent(string Type, string? Id, string Data);

/// <summary>A real SSE client for tests: <see cref="SseParser"/> over the response stream, every event recorded.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SseEvent> _events = [];
    private readonly SemaphoreSlim _changed = new(0);
    private readonly Task _reading;

    private SseClient(HttpResponseMessage response, System.IO.Stream body)
    {
        _response = response;
        _reading = Task.Run(() => ReadAsync(body));
    }

    public HttpResponseMessage Response => _response;

    public bool Ended { get; private set; }

    /// <summary>The last <c>retry:</c> hint the stream gave.</summary>
    public TimeSpan? ReconnectionInterval { get; private set; }

    public IReadOnlyList<SseEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Events that carry an id (logged events), in arrival order.</summary>
    public IReadOnlyList<SseEvent> Logged => [.. Events.Where(e => e.Id is not null)];

    public static HttpRequestMessage Request(string pathAndQuery, string? token, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return request;
    }

    /// <summary>Opens the stream and waits for its <c>subscribed</c> (or <c>reset</c>) event: live delivery is on from there.</summary>
    public static async Task<SseClient> ConnectAsync(HttpClient http, string pathAndQuery, string? token, string? lastEventId = null)
    {
        using var request = Request(pathAndQuery, token, lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            response.Dispose();
            throw new HttpRequestException($"GET {pathAndQuery} answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }

        var client = new SseClient(response, await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        await client.WaitForAsync(e => e.Type is "subscribed" or "reset");
        return client;
    }

    public async Task<SseEvent> WaitForAsync(Func<SseEvent, bool> match, TimeSpan? timeout = null)
    {
        SseEvent? found = null;
        await WaitUntilAsync(events => (found = events.FirstOrDefault(match)) is not null, timeout);
        return found!;
    }

    public async Task WaitUntilAsync(Func<IReadOnlyList<SseEvent>, bool> condition, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        while (!condition(Events))
        {
            if (Ended)
            {
                throw new InvalidOperationException($"The stream ended before the condition held. Events: {string.Join('\n', Events)}");
            }

            try
            {
                await _changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Condition not met within {(timeout ?? DefaultTimeout).TotalSeconds} s. Events: {string.Join('\n', Events.TakeLast(20))}");
            }
        }
    }

    private async Task ReadAsync(System.IO.Stream body)
    {
        try
        {
            var parser = SseParser.Create(body);
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
            {
                lock (_events)
                {
                    _events.Add(new SseEvent(item.EventType, item.EventId, item.Data));
                }

                ReconnectionInterval = parser.ReconnectionInterval;
                _changed.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException or ObjectDisposedException)
        {
            // Cut by the test or the server.
        }
        finally
        {
            Ended = true;
            _changed.Release();
        }
    }

    /// <summary>Waits for the server to end the stream.</summary>
    public Task WaitForEndAsync(TimeSpan? timeout = null) => _reading.WaitAsync(timeout ?? DefaultTimeout, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reading.ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
