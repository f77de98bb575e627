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
    private readonly ConcurrentDictionary<string, bool> _observable = new();
    private readonly Lock _observing = new();
    // Filled by RecordObservableInstruments, which calls back on the observing thread, under _observing.
    private readonly List<(string Instrument, double Value, string? Channel)> _observed = [];

    public MetricRecorder()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                if (instrument.IsObservable)
                {
                    _observable[instrument.Name] = true;
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
        Metrics = new DeliveryMetrics(factory, TimeProvider.System);
    }

    public DeliveryMetrics Metrics { get; }

    /// <summary>
    /// The values <paramref name="instrument"/> recorded with <c>chatmesh.channel</c> = <paramref name="channel"/>. An
    /// observable counter (<c>chatmesh.events.delivered</c>) is observed now, and its total reads as that many
    /// increments of 1: what a counter adding 1 per event would have recorded.
    /// </summary>
    public IReadOnlyList<double> Values(string instrument, string channel)
    {
        if (_observable.ContainsKey(instrument))
        {
            return [.. Enumerable.Repeat(1.0, (int)Total(instrument, channel))];
        }

        return [.. _measurements.Where(m => m.Instrument == instrument && m.Channel == channel).Select(m => m.Value)];
    }

    /// <summary>The total of <paramref name="instrument"/> for <paramref name="channel"/>: an observable counter's latest value, else the sum recorded.</summary>
    public double Total(string instrument, string channel)
    {
        if (!_observable.ContainsKey(instrument))
        {
            return Values(instrument, channel).Sum();
        }

        lock (_observing)
        {
            _observed.Clear();
            _listener.RecordObservableInstruments();
            return _observed.Where(m => m.Instrument == instrument && m.Channel == channel).Select(m => m.Value).LastOrDefault();
        }
    }

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

        if (instrument.IsObservable)
        {
            _observed.Add((instrument.Name, value, channel));
            return;
        }

        _measurements.Enqueue((instrument.Name, value, channel));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
