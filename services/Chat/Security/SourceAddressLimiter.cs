using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Security;

/// <summary>What a per-address rate counts.</summary>
public enum SourceRate
{
    SignIn,
    HookPost,
}

/// <summary>
/// The per-source-address limits of one instance: open connections (a counter per address, removed at zero) and
/// per-minute rates (a fixed window per address, swept when stale). One lock per address, no allocation on a refusal.
/// </summary>
public sealed class SourceAddressLimiter(IOptions<SourceLimitOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<SourceAddress, Counter> _connections = new();
    private readonly ConcurrentDictionary<(SourceAddress, SourceRate), RateWindow> _rates = new();
    private long _nextSweepTicks;

    public IReadOnlySet<IPAddress> TrustedProxies { get; } =
        options.Value.EffectiveTrustedProxies.Select(p => SourceAddress.Normalize(IPAddress.Parse(p))).ToHashSet();

    public int TrackedConnectionSources => _connections.Count;

    /// <summary>Connections of <paramref name="source"/> open now (holding a lease).</summary>
    public int OpenConnections(SourceAddress source)
    {
        if (!_connections.TryGetValue(source, out var counter))
        {
            return 0;
        }

        lock (counter)
        {
            return counter.Removed ? 0 : counter.Open;
        }
    }

    /// <summary>A lease on one connection slot of <paramref name="source"/> (dispose to give it back), or null at the limit.</summary>
    public IDisposable? TryOpenConnection(SourceAddress source)
    {
        var max = options.Value.MaxConnections;
        while (true)
        {
            var counter = _connections.GetOrAdd(source, static _ => new Counter());
            lock (counter)
            {
                if (counter.Removed)
                {
                    continue;
                }

                if (max > 0 && counter.Open >= max)
                {
                    return null;
                }

                counter.Open++;
                return new Lease(this, source, counter);
            }
        }
    }

    /// <summary>Counts one <paramref name="rate"/> event; false (and when to retry) once the minute's budget is spent.</summary>
    public bool TryTake(SourceRate rate, SourceAddress source, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        var limit = rate == SourceRate.SignIn ? options.Value.SignInsPerMinute : options.Value.HookPostsPerMinute;
        if (limit == 0)
        {
            return true;
        }

        var now = time.GetUtcNow().UtcTicks;
        var start = now - (now % Window.Ticks);
        SweepIfDue(now, start);
        var window = _rates.GetOrAdd((source, rate), static _ => new RateWindow());
        lock (window)
        {
            if (window.Start != start)
            {
                window.Start = start;
                window.Count = 0;
            }

            if (window.Count >= limit)
            {
                retryAfter = TimeSpan.FromTicks(start + Window.Ticks - now);
                return false;
            }

            window.Count++;
            return true;
        }
    }

    private void SweepIfDue(long now, long currentStart)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now < due || Interlocked.CompareExchange(ref _nextSweepTicks, now + Window.Ticks, due) != due)
        {
            return;
        }

        foreach (var (key, window) in _rates)
        {
            // A window from an earlier minute is as good as absent; a racing TryTake just makes a new one.
            if (Volatile.Read(ref window.Start) < currentStart)
            {
                _rates.TryRemove(new KeyValuePair<(SourceAddress, SourceRate), RateWindow>(key, window));
            }
        }
    }

    private void Close(SourceAddress source, Counter counter)
    {
        lock (counter)
        {
            if (--counter.Open == 0)
            {
                counter.Removed = true;
                _connections.TryRemove(new KeyValuePair<SourceAddress, Counter>(source, counter));
            }
        }
    }

    private sealed class Counter
    {
        public int Open;
        public bool Removed;
    }

    private sealed class RateWindow
    {
        public long Start;
        public int Count;
    }

    private sealed class Lease(SourceAddressLimiter owner, SourceAddress source, Counter counter) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Close(source, counter);
            }
        }
    }
}
