using System.Diagnostics.Metrics;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Legacy.Polling;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary><c>chatmesh.poll.answers</c> counts every answer by kind and source, as an exporter reads it.</summary>
public sealed class PollMetricsTests
{
    [Fact]
    public void Answers_are_counted_by_kind_and_source()
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var metrics = new PollMetrics(meters, new DeliveryMetrics(meters, TimeProvider.System));
        var stored = new StoredEvent(7, "message.created", "general", "bob", "{}"u8.ToArray());
        metrics.Answered(new PollBatch([stored], 7, Heartbeat: false, Reset: false, 7) { Source = PollSource.Live });
        metrics.Answered(new PollBatch([stored], 7, Heartbeat: false, Reset: false, 7) { Source = PollSource.Live });
        metrics.Answered(new PollBatch([], 7, Heartbeat: true, Reset: false, 7) { Source = PollSource.Replay });

        var seen = new Dictionary<(string?, string?), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "chatmesh.poll.answers" && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? kind = null, source = null;
            foreach (var tag in tags)
            {
                kind = tag.Key == "kind" ? (string?)tag.Value : kind;
                source = tag.Key == "source" ? (string?)tag.Value : source;
            }

            seen[(kind, source)] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(new Dictionary<(string?, string?), long> { [("events", "live")] = 2, [("heartbeat", "replay")] = 1 }, seen);
    }
}
