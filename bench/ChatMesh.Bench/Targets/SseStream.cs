using System.Buffers;
using System.Net.Http.Headers;

namespace ChatMesh.Bench.Targets;

/// <summary>
/// One <c>GET /sse</c> response read with a plain Stream and a small line scanner (no SSE client library): every
/// <c>data:</c> line carrying a <see cref="Payload"/> timestamp is recorded; the stream counts as open once the server
/// has sent <c>event: subscribed</c> (live delivery runs).
/// </summary>
internal sealed class SseStream : IAsyncDisposable
{
    private static readonly byte[] Data = "data:"u8.ToArray();
    private static readonly byte[] Subscribed = "event: subscribed"u8.ToArray();
    private static readonly byte[] Error = "event: error"u8.ToArray();
    private static long s_ended;
    private static long s_errors;

    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly LatencyRecorder _recorder;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;

    private SseStream(HttpResponseMessage response, Stream body, LatencyRecorder recorder)
    {
        _response = response;
        _body = body;
        _recorder = recorder;
    }

    /// <summary>Streams that ended before the benchmark closed them (server closed, error event, broken connection).</summary>
    public static long Ended => Interlocked.Read(ref s_ended);

    /// <summary><c>event: error</c> items received (e.g. <c>slow_consumer</c>).</summary>
    public static long Errors => Interlocked.Read(ref s_errors);

    /// <summary>Zeroes <see cref="Ended"/> and <see cref="Errors"/> (each server of a run counts its own).</summary>
    public static void ResetCounters()
    {
        Interlocked.Exchange(ref s_ended, 0);
        Interlocked.Exchange(ref s_errors, 0);
    }

    /// <summary>Opens <c>GET /sse</c> with <paramref name="token"/> as bearer (none when null) and waits for <c>subscribed</c>.</summary>
    public static async Task<SseStream> OpenAsync(HttpClient http, string? token, LatencyRecorder recorder, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sse");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new InvalidOperationException($"GET /sse answered {(int)response.StatusCode}: {problem}");
        }

        var stream = new SseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken), recorder);
        stream._reading = stream.ReadAsync();
        try
        {
            await stream._subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    private async Task ReadAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // A line longer than the buffer: grow it.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await _body.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                if (read == 0)
                {
                    break;
                }

                var now = System.Diagnostics.Stopwatch.GetTimestamp();
                var scanFrom = filled;
                filled += read;
                var lineStart = 0;
                int newline;
                while ((newline = buffer.AsSpan(scanFrom, filled - scanFrom).IndexOf((byte)'\n')) >= 0)
                {
                    var end = scanFrom + newline;
                    OnLine(buffer.AsSpan(lineStart, end - lineStart).TrimEnd((byte)'\r'), now);
                    lineStart = scanFrom = end + 1;
                }

                buffer.AsSpan(lineStart, filled - lineStart).CopyTo(buffer);
                filled -= lineStart;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
        {
            // Torn down by the benchmark, or broken (counted below).
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref s_ended);
            }

            _subscribed.TrySetException(new InvalidOperationException("The SSE stream ended before `subscribed`."));
        }
    }

    private void OnLine(ReadOnlySpan<byte> line, long now)
    {
        if (line.StartsWith(Data))
        {
            if (Payload.TryReadTimestamp(line, out var sent))
            {
                _recorder.Record(sent, now);
            }
        }
        else if (line.SequenceEqual(Subscribed))
        {
            _subscribed.TrySetResult();
        }
        else if (line.SequenceEqual(Error))
        {
            Interlocked.Increment(ref s_errors);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
