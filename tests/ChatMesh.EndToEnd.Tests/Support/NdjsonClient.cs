using System.Net.Http.Headers;
using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Support;

/// <summary>An NDJSON client for tests: a plain line reader over the response stream, every line recorded as sent.</summary>
public sealed class NdjsonClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _changed = new(0);
    private readonly Task _reading;

    private NdjsonClient(HttpResponseMessage response, System.IO.Stream body)
    {
        _response = response;
        _reading = Task.Run(() => ReadAsync(body));
    }

    public HttpResponseMessage Response => _response;

    public bool Ended { get; private set; }

    /// <summary>Every line received, exactly as sent (without the newline).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static string? Type(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
    }

    public static long? Id(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty("id", out var id) ? id.GetInt64() : null;
    }

    public static async Task<NdjsonClient> ConnectAsync(HttpClient http, string pathAndQuery, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            response.Dispose();
            throw new HttpRequestException($"GET {pathAndQuery} answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }

        var client = new NdjsonClient(response, await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        await client.WaitForAsync(line => Type(line) is "subscribed" or "reset");
        return client;
    }

    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        while (true)
        {
            var found = Lines.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (Ended)
            {
                throw new InvalidOperationException($"The stream ended first. Lines: {string.Join('\n', Lines)}");
            }

            try
            {
                await _changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No matching line within {(timeout ?? DefaultTimeout).TotalSeconds} s. Lines: {string.Join('\n', Lines.TakeLast(20))}");
            }
        }
    }

    private async Task ReadAsync(System.IO.Stream body)
    {
        try
        {
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }

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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reading.ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
