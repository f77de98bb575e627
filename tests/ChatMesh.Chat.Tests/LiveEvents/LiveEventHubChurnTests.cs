using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.Infrastructure;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>
/// Subscribing and unsubscribing on other threads while the hub dispatches (property test): the hub's routing sets grow,
/// reuse slots and pack under the churn, and every subscriber still gets each event routed to it at most once, in id
/// order, and every one dispatched wholly inside its subscription.
/// </summary>
public sealed class LiveEventHubChurnTests(RedisProcess redis) : IAsyncLifetime
{
    private const int Rooms = 3;
    private const int Users = 3;

    private static readonly Gen<Churn> ChurnGen =
        Gen.Select(Gen.Int[1, (1 << Rooms) - 1], Gen.Int[0, Users - 1], Gen.Int[1, 24], Gen.Bool, Gen.Int[0, 2_000],
            static (rooms, user, count, reverse, spin) => new Churn(rooms, user, count, reverse, spin));

    // Events: 0..Rooms-1 a room's message, Rooms..Rooms+Users-1 a user's personal event.
    private static readonly Gen<Scenario> ScenarioGen =
        Gen.Select(Gen.Int[0, Rooms + Users - 1].Array[50, 300], ChurnGen.Array[1, 20].Array[2],
            static (events, threads) => new Scenario(events, threads));

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private ConnectionMultiplexer? _connection;

    public async ValueTask InitializeAsync() => _connection = await redis.ConnectAsync();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribers_churning_during_dispatch_get_every_event_of_their_subscription_once_in_order()
    {
        await ScenarioGen.SampleAsync(RunAsync, iter: 150, threads: 1);
    }

    private async Task RunAsync(Scenario scenario)
    {
        var hub = new LiveEventHub(_connection!, Options.Create(new LiveEventOptions()),
            new LiveEventMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<LiveEventHub>.Instance);
        // Subscribed before the first dispatch and never disposed: every event routed to them.
        List<Recorder> stable = [];
        for (var user = 0; user < Users; user++)
        {
            var recorder = new Recorder(user, (1 << Rooms) - 1) { SubscribedAt = -1 };
            hub.Subscribe(recorder, recorder.RoomNames);
            stable.Add(recorder);
        }

        var churned = new List<Recorder>[scenario.Threads.Length];
        using var start = new Barrier(scenario.Threads.Length + 1);
        var churners = scenario.Threads.Select((ops, t) => Task.Run(() => churned[t] = RunChurn(hub, ops, start))).ToArray();
        var dispatcher = Task.Run(async () =>
        {
            start.SignalAndWait();
            for (var i = 0; i < scenario.Events.Length; i++)
            {
                await DeliverAsync(hub, i + 1, scenario.Events[i]);
            }
        });
        await Task.WhenAll([dispatcher, .. churners]);

        var last = (long)scenario.Events.Length;
        foreach (var recorder in stable)
        {
            recorder.DisposingAt = recorder.DisposedAt = last;
        }

        foreach (var recorder in stable.Concat(churned.SelectMany(static list => list)))
        {
            Check(recorder, scenario.Events);
        }
    }

    private static List<Recorder> RunChurn(LiveEventHub hub, Churn[] ops, Barrier start)
    {
        List<Recorder> all = [];
        start.SignalAndWait();
        foreach (var op in ops)
        {
            var batch = new List<(Recorder Recorder, IDisposable Subscription)>(op.Count);
            for (var i = 0; i < op.Count; i++)
            {
                var recorder = new Recorder(op.User, op.Rooms);
                var subscription = hub.Subscribe(recorder, recorder.RoomNames);
                recorder.SubscribedAt = hub.LastDispatchedId;
                batch.Add((recorder, subscription));
                all.Add(recorder);
            }

            Thread.SpinWait(op.Spin);
            if (op.Reverse)
            {
                batch.Reverse();
            }

            foreach (var (recorder, subscription) in batch)
            {
                recorder.DisposingAt = hub.LastDispatchedId;
                subscription.Dispose();
                recorder.DisposedAt = hub.LastDispatchedId;
            }
        }

        return all;
    }

    /// <summary>
    /// What one subscriber received: ids strictly increasing, each routed to it, none dispatched after its disposal
    /// (the one in flight as it disposed aside), and every one routed to it whose dispatch began after its Subscribe
    /// returned and ended before its Dispose began (the one in flight as it subscribed may be missed).
    /// </summary>
    private static void Check(Recorder recorder, int[] events)
    {
        var received = recorder.Received;
        for (var i = 1; i < received.Count; i++)
        {
            Assert.True(received[i] > received[i - 1], $"{recorder}: {received[i]} after {received[i - 1]}");
        }

        var got = received.ToHashSet();
        foreach (var id in received)
        {
            Assert.True(recorder.Wants(events[id - 1]), $"{recorder}: got {id}, not routed to it");
            Assert.True(id <= recorder.DisposedAt + 1, $"{recorder}: got {id} after its disposal at {recorder.DisposedAt}");
        }

        for (var id = recorder.SubscribedAt + 2; id <= recorder.DisposingAt; id++)
        {
            Assert.True(!recorder.Wants(events[id - 1]) || got.Contains(id), $"{recorder}: missed {id}");
        }
    }

    private static ValueTask DeliverAsync(LiveEventHub hub, long id, int target)
    {
        var (type, room, user) = target < Rooms
            ? (ChatEventTypes.MessageCreated, Recorder.Room(target), (string?)null)
            : (ChatEventTypes.NotificationMention, (string?)null, Recorder.User(target - Rooms));
        var json = Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"{{{type}}}","data":{}}""");
        return hub.DeliverAsync(new ChatEventPublished(id, type, room, user, json), CancellationToken.None);
    }

    private sealed record Churn(int Rooms, int User, int Count, bool Reverse, int Spin);

    private sealed record Scenario(int[] Events, Churn[][] Threads)
    {
        public override string ToString() =>
            $"{Events.Length} events; churn {string.Join(" | ", Threads.Select(static ops => string.Join(' ', ops.Select(static op => $"{op.Rooms}/{op.User}x{op.Count}"))))}";
    }

    private sealed class Recorder(int user, int rooms) : ILiveSubscriber
    {
        private readonly Lock _gate = new();
        private readonly List<long> _received = [];

        public string UserId { get; } = User(user);

        public string[] RoomNames { get; } = [.. Enumerable.Range(0, Rooms).Where(room => (rooms & (1 << room)) != 0).Select(Room)];

        public long SubscribedAt { get; set; }

        public long DisposingAt { get; set; }

        public long DisposedAt { get; set; }

        public List<long> Received
        {
            get
            {
                lock (_gate)
                {
                    return [.. _received];
                }
            }
        }

        public static string Room(int index) => $"room-{index}";

        public static string User(int index) => $"user-{index}";

        public bool Wants(int target) => target < Rooms ? (rooms & (1 << target)) != 0 : target - Rooms == user;

        public void OnEvent(in LiveEvent liveEvent)
        {
            lock (_gate)
            {
                _received.Add(liveEvent.Id);
            }
        }

        public override string ToString() =>
            $"{UserId} in {string.Join(',', RoomNames)} (subscribed at {SubscribedAt}, disposed {DisposingAt}..{DisposedAt})";
    }
}
