using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Reflection;
using System.Text;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Presence;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Notification.Feeds;
using ChatMesh.Notification.Sse;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Tests.Feeds;

/// <summary>
/// A stream's session and writer over a real pipe with a small window (Kestrel's response pipe, in memory), the log
/// it catches up from an in-memory list: a reading client handed a burst far larger than its queue is caught up from
/// the log and gets every event once, in order, without an error; a client that reads nothing for SlowConsumerTimeout
/// gets what was already written, in order, then the <c>slow_consumer</c> error, and the stream ends. (End-to-end,
/// through real sockets and Redis: the E2E <c>SseSlowConsumerTests</c> and <c>NdjsonSlowConsumerTests</c>.)
/// </summary>
public sealed class SlowConsumerTests : IDisposable
{
    private const int Queue = 16;

    // The event log the stub chat service replays from: every event is "committed" here before it is dispatched.
    private readonly List<StoredEvent> _log = [];
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly CapturingHub _hub = new();
    private int _replays;
    private int _cuts;

    public SlowConsumerTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "chatmesh.slow_consumer.disconnects")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _cuts, (int)value));
        _listener.Start();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reading_client_handed_a_burst_larger_than_its_queue_gets_every_event_once_in_order_without_an_error()
    {
        using var stream = Open(TimeSpan.FromSeconds(30));
        var subscriber = await _hub.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        await stream.WaitForSubscribedAsync();
        var replaysBefore = Volatile.Read(ref _replays);

        // 600 events handed over at once (an instance catching up from the outbox), 37 times the queue.
        for (var id = 1; id <= 600; id++)
        {
            Dispatch(subscriber, id);
        }

        // The client reads all along from here.
        var items = await stream.ReadUntilAsync(item => item.EventId == "600").WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        Assert.Equal(Enumerable.Range(1, 600).Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            items.Where(item => item.EventType == "message.created").Select(item => item.EventId));
        Assert.DoesNotContain(items, item => item.EventType == "error");
        Assert.True(Volatile.Read(ref _replays) > replaysBefore, "the burst never left the stream behind: the test proved nothing");
        Assert.Equal(0, Volatile.Read(ref _cuts));
        Assert.False(stream.Writer.IsCompleted, "the stream ended");
    }

    [Fact]
    public async Task A_client_that_reads_nothing_gets_what_was_written_in_order_then_slow_consumer_and_the_stream_ends()
    {
        using var stream = Open(TimeSpan.FromMilliseconds(200));
        var subscriber = await _hub.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        // The client reads nothing while 200 events of 4 KB arrive over time: far more than the pipe plus the queue.
        for (var id = 1; id <= 200; id++)
        {
            Dispatch(subscriber, id);
            await Task.Delay(1, Cancel);
        }

        // Still not reading, past SlowConsumerTimeout: the cut comes (and is counted) while the client has read nothing.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Volatile.Read(ref _cuts) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the client that reads nothing was not cut off within 10 s");
            await Task.Delay(20, Cancel);
        }

        var items = await stream.ReadUntilAsync(item => item.EventType == "error").WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        await stream.Writer.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        Assert.Contains("\"code\":\"slow_consumer\"", items[^1].Data, StringComparison.Ordinal);
        var ids = items.Where(item => item.EventType == "message.created").Select(item => long.Parse(item.EventId!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(ids.Count, 1, 199);
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(id => (long)id), ids);
        Assert.Equal(1, Volatile.Read(ref _cuts));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    [InlineData(3_600_001)]
    public void A_slow_consumer_timeout_outside_100_ms_to_1_hour_is_refused_at_start(int milliseconds)
    {
        var result = new NotificationOptionsValidator().Validate(null, new NotificationOptions { SlowConsumerTimeout = TimeSpan.FromMilliseconds(milliseconds) });

        Assert.True(result.Failed);
        Assert.Contains("Notification:SlowConsumerTimeout", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_slow_consumer_timeout_is_10_s_and_valid()
    {
        var options = new NotificationOptions();

        Assert.Equal(TimeSpan.FromSeconds(10), options.SlowConsumerTimeout);
        Assert.True(new NotificationOptionsValidator().Validate(null, options).Succeeded);
    }

    private OpenStream Open(TimeSpan slowConsumerTimeout)
    {
        var options = Options.Create(new NotificationOptions
        {
            MaxQueuedEvents = Queue, ReplayBatchSize = 7, SlowConsumerTimeout = slowConsumerTimeout,
        });
        var chat = LogChat.Create(this);
        var time = TimeProvider.System;
        var heartbeats = new HeartbeatTicker(options, time);
        var context = new FeedContext(chat, _hub, registry: null!, options, time, new NoLifetime(), new DeliveryMetrics(_services.GetRequiredService<IMeterFactory>(), time),
            heartbeats, NullLogger<FeedSession>.Instance);
        // The lease is never disposed here (that would unregister the connection in Redis): the test ends the writer instead.
        var session = new FeedSession(context, new FeedRequest(null, null, null, false), new ConnectionLease(null!, "bob", "c1"), FeedChannels.Sse, CancellationToken.None);
        // A window of 16 KB between the writer and the client, as Kestrel's response pipe and a socket give.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16 * 1024, resumeWriterThreshold: 8 * 1024));
        session.Start(0);
        var stop = new CancellationTokenSource();
        var writer = FeedWriter.RunAsync(session, pipe.Writer, new SseFormat(options), 16 * 1024, stop.Token);
        return new OpenStream(pipe, writer, stop, heartbeats);
    }

    /// <summary>Commits event <paramref name="id"/> to the test's log, then hands it to the subscriber, as the hub does.</summary>
    private void Dispatch(ILiveSubscriber subscriber, long id)
    {
        var json = Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"message.created","room":"room","data":{"text":"{{{new string('x', 4000)}}}"}}""");
        lock (_log)
        {
            _log.Add(new StoredEvent(id, "message.created", "room", null, json));
        }

        subscriber.OnEvent(new LiveEvent(id, "message.created", "room", null, json));
    }

    private Replay Replay(long after, int limit)
    {
        Interlocked.Increment(ref _replays);
        lock (_log)
        {
            var events = _log.Where(stored => stored.Id > after).Take(limit).ToList();
            var head = _log.Count == 0 ? 0 : _log[^1].Id;
            return new Replay(events, Reset: false, More: events.Count > 0 && events[^1].Id < head, head);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    /// <summary>The client's end of the stream: what it reads, parsed as an EventSource would.</summary>
    private sealed class OpenStream(Pipe pipe, Task writer, CancellationTokenSource stop, HeartbeatTicker heartbeats) : IDisposable
    {
        private readonly IAsyncEnumerator<SseItem<string>> _items = SseParser.Create(pipe.Reader.AsStream()).EnumerateAsync(Cancel).GetAsyncEnumerator(Cancel);
        private readonly List<SseItem<string>> _read = [];

        public Task Writer => writer;

        public async Task WaitForSubscribedAsync() => await ReadUntilAsync(item => item.EventType == FeedControl.Subscribed);

        /// <summary>Reads until <paramref name="match"/>; every item read so far (from the start of the stream).</summary>
        public async Task<List<SseItem<string>>> ReadUntilAsync(Func<SseItem<string>, bool> match)
        {
            if (_read.Any(match))
            {
                return [.. _read];
            }

            while (await _items.MoveNextAsync())
            {
                _read.Add(_items.Current);
                if (match(_items.Current))
                {
                    return [.. _read];
                }
            }

            throw new InvalidOperationException("The stream ended before the expected item.");
        }

        public void Dispose()
        {
            // The client goes away: the writer ends, then the pipe.
            stop.Cancel();
            writer.Wait(TimeSpan.FromSeconds(10), Cancel);
            pipe.Writer.Complete();
            heartbeats.Dispose();
            stop.Dispose();
        }
    }

    /// <summary>The chat service as a stream uses it: no rooms, an empty head, and replays from the test's log.</summary>
    public class LogChat : DispatchProxy
    {
        private SlowConsumerTests _test = null!;

        internal static IChatService Create(SlowConsumerTests test)
        {
            var chat = Create<IChatService, LogChat>();
            ((LogChat)(object)chat)._test = test;
            return chat;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IChatService.ListMyRoomsAsync) => Task.FromResult<IReadOnlyList<MyRoom>>([]),
            nameof(IChatService.GetHeadAsync) => Task.FromResult(0L),
            nameof(IChatService.ReplayAsync) => Task.FromResult(_test.Replay((long)args![1]!, (int)args[2]!)),
            _ => throw new InvalidOperationException($"IChatService.{targetMethod?.Name} was not expected in this test."),
        };
    }

    private sealed class CapturingHub : ILiveEventHub
    {
        public TaskCompletionSource<ILiveSubscriber> Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long LastDispatchedId => 0;

        public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms)
        {
            Subscribed.TrySetResult(subscriber);
            return new NoLifetime();
        }
    }

    /// <summary>A host that never stops (and an unsubscription that does nothing).</summary>
    private sealed class NoLifetime : IHostApplicationLifetime, IDisposable
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }

        public void Dispose()
        {
        }
    }
}
