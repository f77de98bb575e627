using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// One heartbeat timer for every stream of this instance, instead of one per stream. It ticks four times per
/// <c>Notification:Sse:HeartbeatInterval</c> and queues a heartbeat to each stream that has written nothing for three
/// quarters of it, so no stream stays silent longer than the interval, an idle stream gets about one heartbeat per
/// interval, and a stream that carries events gets none. The NDJSON heartbeat line is built once per tick.
/// </summary>
internal sealed class HeartbeatTicker : IDisposable
{
    private const int TicksPerInterval = 4;
    private static readonly byte[] NoJson = [];

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<IHeartbeatStream> _sessions = [];
    private readonly long _quietTicks;
    private readonly ITimer _timer;
    private int _ticking;

    public HeartbeatTicker(IOptions<NotificationOptions> options, TimeProvider time)
    {
        _time = time;
        var interval = options.Value.Sse.HeartbeatInterval;
        var period = interval / TicksPerInterval;
        _quietTicks = (long)((interval - period).TotalSeconds * time.TimestampFrequency);
        _timer = time.CreateTimer(static state => ((HeartbeatTicker)state!).Tick(), this, period, period);
    }

    /// <summary>Streams this ticker watches (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    public void Add(IHeartbeatStream session)
    {
        lock (_gate)
        {
            session.TickerSlot = _sessions.Count;
            _sessions.Add(session);
        }
    }

    public void Remove(IHeartbeatStream session)
    {
        lock (_gate)
        {
            var slot = session.TickerSlot;
            if (slot < 0)
            {
                return;
            }

            // Swap with the last: O(1) at any number of streams.
            var last = _sessions[^1];
            _sessions[slot] = last;
            last.TickerSlot = slot;
            _sessions.RemoveAt(_sessions.Count - 1);
            session.TickerSlot = -1;
        }
    }

    internal void Tick()
    {
        // A tick that outlasts the period (a stalled machine) is not run twice at once.
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return;
        }

        try
        {
            var now = _time.GetTimestamp();
            byte[]? ndjson = null;
            lock (_gate)
            {
                foreach (var session in _sessions)
                {
                    if (now - session.QuietSince < _quietTicks)
                    {
                        continue;
                    }

                    var json = session.IsNdjson ? ndjson ??= FeedControl.HeartbeatJson(_time.GetUtcNow()) : NoJson;
                    session.Heartbeat(now, json);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}

/// <summary>What the <see cref="HeartbeatTicker"/> needs of a stream (a <see cref="FeedSession"/>).</summary>
internal interface IHeartbeatStream
{
    /// <summary>When (<see cref="TimeProvider.GetTimestamp"/>) the stream last flushed to its client or was sent a heartbeat.</summary>
    long QuietSince { get; }

    /// <summary>True when the heartbeat is an NDJSON line (its JSON is given), false for the SSE comment.</summary>
    bool IsNdjson { get; }

    /// <summary>The stream's index in the ticker's list, -1 when not in it; set by the ticker under its lock.</summary>
    int TickerSlot { get; set; }

    /// <summary>Queues a heartbeat; <paramref name="now"/> becomes <see cref="QuietSince"/>.</summary>
    void Heartbeat(long now, ReadOnlyMemory<byte> json);
}
