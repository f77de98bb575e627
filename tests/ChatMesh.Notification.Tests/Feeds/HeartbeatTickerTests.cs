using System.Text;
using ChatMesh.Notification.Feeds;
using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Tests.Feeds;

/// <summary>One ticker for every stream: a heartbeat only to a stream that has been quiet, never silent longer than the interval.</summary>
public sealed class HeartbeatTickerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly ManualTime _time = new();
    private readonly HeartbeatTicker _ticker;

    public HeartbeatTickerTests() =>
        _ticker = new HeartbeatTicker(Options.Create(new NotificationOptions { Sse = new SseOptions { HeartbeatInterval = Interval } }), _time);

    [Fact]
    public void An_idle_stream_gets_a_heartbeat_each_interval_and_a_busy_one_none()
    {
        var idle = new FakeStream(_time.GetTimestamp());
        var busy = new FakeStream(_time.GetTimestamp());
        _ticker.Add(idle);
        _ticker.Add(busy);

        for (var tick = 0; tick < 8; tick++)
        {
            _time.Advance(Interval / 4);
            busy.Flushed(_time.GetTimestamp());
            _ticker.Tick();
            Assert.True(_time.GetElapsedTime(idle.QuietSince) < Interval);
        }

        Assert.Equal(2, idle.Beats.Count);
        Assert.Empty(busy.Beats);
    }

    [Fact]
    public void Ndjson_streams_share_one_heartbeat_line_per_tick()
    {
        var first = new FakeStream(_time.GetTimestamp(), ndjson: true);
        var second = new FakeStream(_time.GetTimestamp(), ndjson: true);
        _ticker.Add(first);
        _ticker.Add(second);

        _time.Advance(Interval);
        _ticker.Tick();

        var line = Assert.Single(first.Beats);
        Assert.True(line.Equals(Assert.Single(second.Beats)));
        Assert.StartsWith("""{"type":"heartbeat","ts":""", Encoding.UTF8.GetString(line.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_stream_gets_nothing_and_the_others_still_do()
    {
        var streams = Enumerable.Range(0, 3).Select(_ => new FakeStream(_time.GetTimestamp())).ToList();
        streams.ForEach(_ticker.Add);

        _ticker.Remove(streams[0]);
        _ticker.Remove(streams[0]);
        _time.Advance(Interval);
        _ticker.Tick();

        Assert.Empty(streams[0].Beats);
        Assert.All(streams.Skip(1), stream => Assert.Single(stream.Beats));
        Assert.Equal(2, _ticker.Count);
    }

    private sealed class FakeStream(long quietSince, bool ndjson = false) : IHeartbeatStream
    {
        public List<ReadOnlyMemory<byte>> Beats { get; } = [];

        public long QuietSince { get; private set; } = quietSince;

        public bool IsNdjson => ndjson;

        public int TickerSlot { get; set; } = -1;

        public void Flushed(long now) => QuietSince = now;

        public void Heartbeat(long now, ReadOnlyMemory<byte> json)
        {
            QuietSince = now;
            Beats.Add(json);
        }
    }

    /// <summary>A clock the test moves; timers are never started (the test calls <see cref="HeartbeatTicker.Tick"/>).</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero).AddTicks(_ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NoTimer();

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
