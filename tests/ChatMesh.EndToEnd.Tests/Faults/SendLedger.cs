using System.Collections.Concurrent;

namespace ChatMesh.Testing.Faults;

/// <summary>Every send of every sender: its key, whether and with which id it was acknowledged, and how long a sender ever waited.</summary>
public sealed class SendLedger
{
    private readonly ConcurrentDictionary<string, long> _acked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private int _sent;
    private int _unackedCommitted;
    private int _retried;
    private int _differentIds;
    private long _longestWaitTicks;

    /// <summary>The error recorded for an attempt that got no answer at all (no ack, no error, no failure) within 10 s.</summary>
    public const string Unanswered = "no answer in 10 s";

    public int Sent => Volatile.Read(ref _sent);

    public int UnansweredAttempts => _errors.GetValueOrDefault(Unanswered);

    public int Acked => _acked.Count;

    /// <summary>Sends whose first attempt got no ack but which were committed: the retry with the same key answered <c>duplicate</c>.</summary>
    public int UnackedCommitted => Volatile.Read(ref _unackedCommitted);

    /// <summary>Sends that needed more than one attempt.</summary>
    public int Retried => Volatile.Read(ref _retried);

    /// <summary>Retries acknowledged with another id than an earlier ack of the same key: a double commit.</summary>
    public int DifferentIds => Volatile.Read(ref _differentIds);

    /// <summary>The longest a sender waited for any answer (ack, error, or the connection failing).</summary>
    public TimeSpan LongestWait => TimeSpan.FromTicks(Interlocked.Read(ref _longestWaitTicks));

    public IReadOnlyCollection<long> AckedIds => [.. _acked.Values];

    public IReadOnlyDictionary<string, int> Errors => _errors;

    public void Started() => Interlocked.Increment(ref _sent);

    public void Waited(TimeSpan wait)
    {
        long current;
        while (wait.Ticks > (current = Interlocked.Read(ref _longestWaitTicks))
               && Interlocked.CompareExchange(ref _longestWaitTicks, wait.Ticks, current) != current)
        {
        }
    }

    public void Error(string code) => _errors.AddOrUpdate(code, 1, (_, n) => n + 1);

    public void Acknowledged(string key, long id, bool duplicate, int attempts)
    {
        if (attempts > 1)
        {
            Interlocked.Increment(ref _retried);
            if (duplicate)
            {
                Interlocked.Increment(ref _unackedCommitted);
            }
        }

        if (!_acked.TryAdd(key, id) && _acked[key] != id)
        {
            Interlocked.Increment(ref _differentIds);
        }
    }
}
