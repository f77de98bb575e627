using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;

namespace ChatMesh.Bench;

/// <summary>
/// The raw SSE broadcast of <see cref="RawFeedServer"/>: <c>GET /sse</c> holds a <c>text/event-stream</c> response; each
/// event is framed once (<c>event:</c>/<c>data:</c>/<c>id:</c>) and the same bytes are queued to every stream's bounded
/// queue, drained by one writer loop per stream that flushes once for everything already queued (up to
/// <see cref="MaxFlushBytes"/>). A stream whose queue is full is cut off. A stream silent for
/// <see cref="HeartbeatInterval"/> gets <c>: heartbeat</c>, as ChatMesh's do, from one timer for all streams.
/// </summary>
internal sealed class RawSseStreams
{
    /// <summary>Frames queued per stream before it counts as a slow consumer (as the raw WebSocket baseline's).</summary>
    private const int QueueCapacity = 1024;

    /// <summary>As ChatMesh's <c>Notification:MaxFlushBytes</c> default.</summary>
    private const int MaxFlushBytes = 64 * 1024;

    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    private readonly Lock _gate = new();
    private Subscriber[] _streams = [];

    /// <summary><c>event: message.created</c>, the JSON as one <c>data:</c> line, <c>id:</c>, a blank line.</summary>
    public static byte[] Frame(long id, byte[] json) =>
        [.. "event: message.created\ndata: "u8, .. json, .. Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\nid: {id}\n\n"))];

    public async Task ServeAsync(HttpContext context, long head)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var stream = new Subscriber(response.BodyWriter, context.Abort);
        // The stream's own items, as ChatMesh sends them: hello (with the retry hint), then subscribed (live from here).
        stream.Enqueue(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"event: hello\ndata: {{\"head\":{head},\"heartbeatMs\":15000,\"retryMs\":3000}}\nretry: 3000\n\nevent: subscribed\ndata: {{\"head\":{head},\"replayed\":0}}\n\n")));
        Add(stream);
        try
        {
            await stream.WriteAsync(context.RequestAborted);
        }
        finally
        {
            Remove(stream);
        }
    }

    public void Broadcast(byte[] frame)
    {
        foreach (var stream in Volatile.Read(ref _streams))
        {
            stream.Enqueue(frame);
        }
    }

    /// <summary>One timer for every stream: a stream that wrote nothing for <see cref="HeartbeatInterval"/> gets a heartbeat.</summary>
    public IAsyncDisposable StartHeartbeats() => new Sweep(TimeSpan.FromSeconds(1), () =>
    {
        var silentSince = Environment.TickCount64 - (long)HeartbeatInterval.TotalMilliseconds;
        foreach (var stream in Volatile.Read(ref _streams))
        {
            if (stream.LastWrite <= silentSince)
            {
                stream.Enqueue(Heartbeat);
            }
        }
    });

    private void Add(Subscriber stream)
    {
        lock (_gate)
        {
            _streams = [.. _streams, stream];
        }
    }

    private void Remove(Subscriber stream)
    {
        lock (_gate)
        {
            _streams = [.. _streams.Where(other => other != stream)];
        }
    }

    private sealed class Subscriber(PipeWriter writer, Action abort)
    {
        private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
        });

        private long _lastWrite = Environment.TickCount64;

        public long LastWrite => Volatile.Read(ref _lastWrite);

        public void Enqueue(byte[] frame)
        {
            if (!_queue.Writer.TryWrite(frame) && _queue.Writer.TryComplete())
            {
                // A slow consumer never slows the others: it is dropped.
                abort();
            }
        }

        public async Task WriteAsync(CancellationToken aborted)
        {
            var reader = _queue.Reader;
            try
            {
                while (await reader.WaitToReadAsync(aborted))
                {
                    var pending = 0;
                    while (pending < MaxFlushBytes && reader.TryRead(out var frame))
                    {
                        writer.Write(frame);
                        pending += frame.Length;
                    }

                    Volatile.Write(ref _lastWrite, Environment.TickCount64);
                    var flushed = await writer.FlushAsync(aborted);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client went away, or was cut off.
            }
            finally
            {
                _queue.Writer.TryComplete();
            }
        }
    }
}
