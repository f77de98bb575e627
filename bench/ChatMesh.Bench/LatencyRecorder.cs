namespace ChatMesh.Bench;

/// <summary>A lock-free latency histogram: 10 µs buckets up to 2 s, one overflow bucket.</summary>
internal sealed class LatencyRecorder
{
    private const long BucketMicroseconds = 10;
    private readonly long[] _buckets = new long[200_001];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record(long startTimestamp, long endTimestamp)
    {
        var microseconds = (endTimestamp - startTimestamp) * 1_000_000 / System.Diagnostics.Stopwatch.Frequency;
        var bucket = (int)Math.Clamp(microseconds / BucketMicroseconds, 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
    }

    public void Reset()
    {
        Array.Clear(_buckets);
        Interlocked.Exchange(ref _count, 0);
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
