using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Outbox;
using ChatMesh.Chat.Tests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.Outbox;

/// <summary>
/// The outbox leader reads the next batch while the broker has not yet confirmed the one going live, so the tail's
/// round trip overlaps the confirm; the bus still gets every event once, live copy before durable, in id order.
/// </summary>
[Collection(LiveDeliveryCollection.Name)]
public sealed class OutboxReadAheadTests(RedisProcess redis, RabbitMqServerFixture rabbit) : LiveDeliveryTestBase(redis, rabbit)
{
    [Fact]
    public async Task The_next_batch_is_read_while_the_previous_live_publish_awaits_its_confirm_and_goes_out_after_it_in_order()
    {
        await using var connection = await redis.ConnectAsync();
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var reads = new OutboxReads();
        var bus = DispatchProxy.Create<IBus, HeldBus>();
        var held = (HeldBus)(object)bus;
        var publisher = new OutboxPublisher(connection, bus,
            Options.Create(new OutboxOptions { LeaseDuration = TimeSpan.FromSeconds(2), RenewInterval = TimeSpan.FromMilliseconds(200) }),
            Options.Create(new ChatOptions()), TimeProvider.System, metrics.GetRequiredService<IMeterFactory>(), NullLogger<OutboxPublisher>.Instance);
        await publisher.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var first = await Writer.RoomEventAsync("room-r");
            await held.FirstPublish.Task.WaitAsync(TestContext.Current.CancellationToken);
            var second = await Writer.RoomEventAsync("room-r");

            // The broker has not confirmed the first event's live copy, and the second event is already read.
            await Eventually.TrueAsync(() => reads.Count >= 2, "the second event is read before the first one's confirm");
            Assert.Equal([(first.Id, true)], held.Published);

            held.Confirm.SetResult();
            await Eventually.TrueAsync(() => held.Published.Count(p => p.Live) == 2 && publisher.LastPublishedId == second.Id, "both events published and recorded");
            Assert.Equal([first.Id, second.Id], held.Published.Where(p => p.Live).Select(p => p.Id));
            // Each event's durable copy follows its live copy; none is published twice.
            Assert.Equal([first.Id, second.Id], held.Published.Where(p => !p.Live).Select(p => p.Id));
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
            publisher.Dispose();
        }
    }

    /// <summary>A bus whose first publish is confirmed only when the test says so; records each publish's first event id and lane.</summary>
    public class HeldBus : DispatchProxy
    {
        public TaskCompletionSource FirstPublish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Confirm { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<(long Id, bool Live)> Published { get; } = new();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IPublishEndpoint.Publish) || args is not [var message, ..])
            {
                throw new NotSupportedException(targetMethod?.Name);
            }
            var (id, live) = message switch
            {
                LiveEventBatchPublished batch => (batch.Events[0].Id, true),
                ChatEventBatchPublished batch => (batch.Events[0].Id, false),
                _ => throw new NotSupportedException(message?.GetType().Name),
            };
            Published.Enqueue((id, live));
            FirstPublish.TrySetResult();
            return Confirm.Task;
        }
    }

    /// <summary>Counts the events the outbox leader has read (stage <c>read</c> of <c>chatmesh.outbox.since_commit</c>).</summary>
    private sealed class OutboxReads : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public OutboxReads()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "ChatMesh" && instrument.Name == "chatmesh.outbox.since_commit")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "chatmesh.stage", Value: "read" })
                    {
                        Interlocked.Increment(ref _count);
                    }
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
