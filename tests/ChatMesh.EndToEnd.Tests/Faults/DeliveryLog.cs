using System.Diagnostics;
using System.Text.Json;

namespace ChatMesh.Testing.Faults;

/// <summary>
/// What one client of one channel received: each event id once (a repeat is a duplicate: every channel's resume
/// rule promises exactly once), when it first came, and which message texts (the senders' idempotency keys) it
/// carried, so one key committed twice under two ids shows as doubled too.
/// </summary>
public sealed class DeliveryLog(string channel, string client, Stopwatch clock)
{
    private readonly Dictionary<long, TimeSpan> _first = [];
    private readonly Dictionary<string, long> _byText = new(StringComparer.Ordinal);
    private int _duplicates;
    private int _doubledTexts;
    private int _resets;
    private int _connects;
    private readonly Dictionary<string, int> _ends = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private readonly List<(TimeSpan At, long From, long To, string? How)> _moves = [];

    public string Channel { get; } = channel;

    public string Client { get; } = client;

    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Keys that arrived under two different event ids (a retry that committed twice).</summary>
    public int DoubledTexts => Volatile.Read(ref _doubledTexts);

    public int Resets => Volatile.Read(ref _resets);

    /// <summary>Connections opened (1 = never reconnected).</summary>
    public int Connects => Volatile.Read(ref _connects);

    /// <summary>The resume point: the largest id received (ids arrive in order on every channel).</summary>
    public long LastId { get; private set; }

    public int Count
    {
        get
        {
            lock (_first)
            {
                return _first.Count;
            }
        }
    }

    public void Connected() => Interlocked.Increment(ref _connects);

    public void Reset() => Interlocked.Increment(ref _resets);

    /// <summary>Why a connection ended (the exception's type and the first 160 characters of its message), tallied.</summary>
    public void Ended(Exception reason)
    {
        var message = reason.Message.ReplaceLineEndings(" ");
        var key = $"{reason.GetType().Name}: {message[..Math.Min(message.Length, 160)]}";
        lock (_ends)
        {
            _ends[key] = _ends.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>Something the client did that a failure message should show (at most 20 kept).</summary>
    public void Note(string what)
    {
        lock (_ends)
        {
            if (_notes.Count < 20)
            {
                _notes.Add($"{clock.Elapsed.TotalSeconds:0.000} s {what}");
            }
        }
    }

    /// <summary>The notes, in order, or "-".</summary>
    public string Notes()
    {
        lock (_ends)
        {
            return _notes.Count == 0 ? "-" : string.Join("; ", _notes);
        }
    }

    /// <summary>The reasons connections ended, most frequent first (at most five), or "-".</summary>
    public string Ends()
    {
        lock (_ends)
        {
            return _ends.Count == 0 ? "-" : string.Join("; ", _ends.OrderByDescending(end => end.Value).Take(5).Select(end => $"{end.Key} ×{end.Value}"));
        }
    }

    /// <summary>Records a <c>message.created</c> of <paramref name="room"/>; anything else is ignored.</summary>
    public void Record(JsonElement wireEvent, string room)
    {
        if (!wireEvent.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out var id))
        {
            return;
        }

        lock (_first)
        {
            LastId = Math.Max(LastId, id);
        }

        if (wireEvent.TryGetProperty("type", out var type) && type.GetString() == "message.created"
            && wireEvent.TryGetProperty("room", out var eventRoom) && eventRoom.GetString() == room)
        {
            var text = wireEvent.GetProperty("data").GetProperty("text").GetString() ?? "";
            Record(id, text);
        }
    }

    public void Record(long id, string text)
    {
        lock (_first)
        {
            LastId = Math.Max(LastId, id);
            if (!_first.TryAdd(id, clock.Elapsed))
            {
                _duplicates++;
                return;
            }

            if (_byText.TryGetValue(text, out var other) && other != id)
            {
                _doubledTexts++;
            }

            _byText.TryAdd(text, id);
        }
    }

    /// <summary>Records that the client has seen everything up to <paramref name="id"/> (a cursor that skipped nothing of ours).</summary>
    public void Advance(long id, string? how = null)
    {
        lock (_first)
        {
            if (id > LastId && _moves.Count < 10_000)
            {
                _moves.Add((clock.Elapsed, LastId, id, how));
            }

            LastId = Math.Max(LastId, id);
        }
    }

    /// <summary>
    /// The cursor moves (<see cref="Advance"/>) that passed over one of <paramref name="missing"/> without delivering it:
    /// where a silent gap came from (at most five).
    /// </summary>
    public string MovesOver(IEnumerable<long> missing)
    {
        lock (_first)
        {
            var gaps = missing.Where(id => !_first.ContainsKey(id)).Order().ToList();
            var moves = _moves.Where(move => gaps.Any(id => id > move.From && id <= move.To)).Take(5)
                .Select(move => $"at {move.At.TotalSeconds:0.000} s {move.From}→{move.To} ({move.How ?? "-"}, first missing {gaps.First(id => id > move.From)})");
            return string.Join("; ", moves) is { Length: > 0 } text ? text : "-";
        }
    }

    public bool Has(long id)
    {
        lock (_first)
        {
            return _first.ContainsKey(id);
        }
    }

    public int Missing(IEnumerable<long> ids)
    {
        lock (_first)
        {
            return ids.Count(id => !_first.ContainsKey(id));
        }
    }

    /// <summary>
    /// The longest this client went without receiving anything between <paramref name="from"/> (the fault) and
    /// <paramref name="to"/> (sending stopped): how long delivery took to come back for it.
    /// </summary>
    public TimeSpan LongestPause(TimeSpan from, TimeSpan to)
    {
        List<TimeSpan> times;
        lock (_first)
        {
            times = [.. _first.Values.Where(time => time >= from && time <= to).Order()];
        }

        var longest = TimeSpan.Zero;
        var previous = from;
        foreach (var time in times.Append(to))
        {
            longest = time - previous > longest ? time - previous : longest;
            previous = time;
        }

        return longest;
    }
}
