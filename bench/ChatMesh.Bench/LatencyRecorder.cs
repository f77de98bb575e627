namespace ChatMesh.Bench;

/// <summary>
/// A lock-free latency histogram: 10 µs buckets up to 2 s, one overflow bucket; and the worst latency of the messages
/// sent in each second since the last <see cref="Reset"/> (the timeline that shows a stall inside a step).
/// </summary>
internal sealed class LatencyRecorder
{
    private const long BucketMicroseconds = 10;

    /// <summary>The latency from which samples fall into the overflow bucket (reported as this, meaning at least this).</summary>
    public const double CeilingMilliseconds = 2_000;

    private readonly long[] _buckets = new long[(int)(CeilingMilliseconds * 1000 / BucketMicroseconds) + 1];
    private readonly long[] _worstPerSecond = new long[3_600];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, long> _firstDelivery = new();
    private long _count;
    private long _origin = System.Diagnostics.Stopwatch.GetTimestamp();

    public long Count => Interlocked.Read(ref _count);

    public void Record(long startTimestamp, long endTimestamp)
    {
        var microseconds = (endTimestamp - startTimestamp) * 1_000_000 / System.Diagnostics.Stopwatch.Frequency;
        var bucket = (int)Math.Clamp(microseconds / BucketMicroseconds, 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
        if (!_firstDelivery.ContainsKey(startTimestamp))
        {
            _firstDelivery.TryAdd(startTimestamp, microseconds);
        }

        var second = (startTimestamp - Volatile.Read(ref _origin)) / System.Diagnostics.Stopwatch.Frequency;
        if (second >= 0 && second < _worstPerSecond.Length)
        {
            ref var worst = ref _worstPerSecond[second];
            var seen = Volatile.Read(ref worst);
            while (microseconds > seen && Interlocked.CompareExchange(ref worst, microseconds, seen) is var current && current != seen)
            {
                seen = current;
            }
        }
    }

    /// <summary>
    /// The latency in milliseconds of each message's first delivery (to whichever receiver got it first), at
    /// <paramref name="fraction"/>: the pipeline's own share, before the fan-out to every receiver.
    /// </summary>
    public double FirstDeliveryPercentile(double fraction)
    {
        var firsts = _firstDelivery.Values.Order().ToArray();
        return firsts.Length == 0 ? double.NaN : firsts[Math.Min(firsts.Length - 1, (int)Math.Ceiling(firsts.Length * fraction) - 1)] / 1000.0;
    }

    /// <summary>The worst latency in milliseconds of the messages sent in each whole second of the first <paramref name="seconds"/>.</summary>
    public string Timeline(int seconds) => string.Join(' ', _worstPerSecond.Take(Math.Min(seconds, _worstPerSecond.Length))
        .Select(worst => (worst / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public void Reset()
    {
        Array.Clear(_buckets);
        Array.Clear(_worstPerSecond);
        _firstDelivery.Clear();
        Interlocked.Exchange(ref _count, 0);
        Volatile.Write(ref _origin, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>The latency in milliseconds below which <paramref name="fraction"/> of the samples fall.</summary>
    public double Percentile(double fraction)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        var target = (long)Math.Ceiling(total * fraction);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= target)
            {
                return (i + 1) * BucketMicroseconds / 1000.0;
            }
        }

        return _buckets.Length * BucketMicroseconds / 1000.0;
    }
}
