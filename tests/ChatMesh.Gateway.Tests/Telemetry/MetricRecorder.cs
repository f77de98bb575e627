using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ChatMesh.Chat.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Gateway.Tests.Telemetry;

/// <summary>A real <see cref="DeliveryMetrics"/> on its own meter factory, and every measurement it makes (no other test's).</summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, string? Channel)> _measurements = new();

    public MetricRecorder()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
        Metrics = new DeliveryMetrics(factory, TimeProvider.System);
    }

    public DeliveryMetrics Metrics { get; }

    /// <summary>The values <paramref name="instrument"/> recorded with <c>chatmesh.channel</c> = <paramref name="channel"/>.</summary>
    public IReadOnlyList<double> Values(string instrument, string channel) =>
        [.. _measurements.Where(m => m.Instrument == instrument && m.Channel == channel).Select(m => m.Value)];

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? channel = null;
        foreach (var tag in tags)
        {
            if (tag.Key == DeliveryChannels.TagName)
            {
                channel = tag.Value as string;
            }
        }

        _measurements.Enqueue((instrument.Name, value, channel));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
