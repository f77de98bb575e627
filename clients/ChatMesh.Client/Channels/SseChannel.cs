using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ChatMesh.Client.Channels;

/// <summary>
/// <c>/sse</c> with <c>Last-Event-ID</c> (docs/protocol.md "Server-Sent Events"): replayed events, then
/// <c>subscribed</c> | <c>reset</c>, then live. Receive only: sends go over REST.
/// </summary>
internal sealed class SseChannel(HttpClient http, Func<string> token, bool signals) : IReceiveChannel
{
    private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private HttpResponseMessage? _response;
    private Task? _reading;

    public ChatChannel Kind => ChatChannel.ServerSentEvents;

    public Task<string> Closed => _closed.Task;

    public async Task OpenAsync(long after, IEventSink sink, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(signals ? "/sse?typing=true" : "/sse", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (after > 0)
        {
            request.Headers.Add("Last-Event-ID", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stop.Token);
        _response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        if (!_response.IsSuccessStatusCode)
        {
            throw await Problems.ReadAsync(_response, cancel).ConfigureAwait(false);
        }

        var stream = await _response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        _reading = ReadLoopAsync(stream, sink);
        await _live.Task.WaitAsync(cancel).ConfigureAwait(false);
    }

    private async Task ReadLoopAsync(Stream stream, IEventSink sink)
    {
        var cancel = _stop.Token;
        var reason = "stream ended";
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? type = null;
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(cancel).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0 && await DispatchAsync(type ?? "message", data.ToString(), sink, cancel).ConfigureAwait(false) is { } end)
                    {
                        reason = end;
                        break;
                    }

                    type = null;
                    data.Clear();
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = Field(line, 6);
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(data.Length > 0 ? "\n" : "").Append(Field(line, 5));
                }

                // id: duplicates the event's own id; retry: and ": heartbeat" comments need nothing.
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException or JsonException)
        {
            reason = ex.Message;
        }

        _live.TrySetException(new IOException($"The stream ended before it was live ({reason})."));
        _closed.TrySetResult(reason);
    }

    /// <summary>Handles one SSE event; returns a reason when the stream is over.</summary>
    private async Task<string?> DispatchAsync(string type, string data, IEventSink sink, CancellationToken cancel)
    {
        switch (type)
        {
            case "hello":
                return null;
            case "subscribed":
                _live.TrySetResult();
                return null;
            case "reset":
                using (var reset = JsonDocument.Parse(data))
                {
                    await sink.ResetAsync(reset.RootElement.GetProperty("head").GetInt64(), cancel).ConfigureAwait(false);
                }

                _live.TrySetResult();
                return null;
            case "error":
                using (var error = JsonDocument.Parse(data))
                {
                    return ChatEvent.String(error.RootElement, "code") ?? "error";
                }

            case "shutdown":
                return "server_shutdown";
            case "typing" or "presence":
                await sink.SignalAsync(new ChatSignal(type, data), cancel).ConfigureAwait(false);
                return null;
            default:
                using (var logged = JsonDocument.Parse(data))
                {
                    if (logged.RootElement.TryGetProperty("id", out _))
                    {
                        await sink.EventAsync(ChatEvent.Parse(logged.RootElement, data), cancel).ConfigureAwait(false);
                    }
                }

                return null;
        }
    }

    private static string Field(string line, int start) => line.Length > start && line[start] == ' ' ? line[(start + 1)..] : line[start..];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _response?.Dispose();
        if (_reading is not null)
        {
            await _reading.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
