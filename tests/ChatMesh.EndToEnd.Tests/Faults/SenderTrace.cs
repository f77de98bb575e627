using System.Collections.Concurrent;
using System.Globalization;

namespace ChatMesh.Testing.Faults;

/// <summary>An attempt that got no answer within the sender's bound: what it was doing then, and how its key ended.</summary>
public sealed class StalledAttempt(string sender, string key, int attempt, TimeSpan startedAt, string state)
{
    public string Sender { get; } = sender;

    public string Key { get; } = key;

    public TimeSpan StartedAt { get; } = startedAt;

    /// <summary>How the key was acknowledged in the end (attempts, id, duplicate).</summary>
    public string Outcome { get; set; } = "never acknowledged";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Sender} key {Key} attempt {attempt} sent at {StartedAt.TotalSeconds:0.000} s: {state}; then {Outcome}");
}

/// <summary>
/// What each sender's connections did (connect, hello, end with which close code), with the case clock, kept so an
/// unanswered attempt can be told apart: a connect that hung, an answer that never came, or a connection that died.
/// </summary>
public sealed class SenderTrace
{
    private readonly ConcurrentQueue<(string Sender, TimeSpan At, string What)> _events = new();
    private readonly ConcurrentQueue<StalledAttempt> _stalls = new();
    private readonly ConcurrentDictionary<string, int> _ends = new(StringComparer.Ordinal);

    public IReadOnlyCollection<StalledAttempt> Stalls => _stalls;

    public void Note(string sender, TimeSpan at, string what) => _events.Enqueue((sender, at, what));

    public void Stalled(StalledAttempt stall) => _stalls.Enqueue(stall);

    /// <summary>Counts how a client's WebSocket ended (close code and reason, or the transport error).</summary>
    public void Ended(string client, string how) => _ends.AddOrUpdate($"{client}: {how}", 1, static (_, n) => n + 1);

    /// <summary>WebSocket connections of the case that the server closed with this close code (any client).</summary>
    public int EndedWith(int closeCode) => _ends.Where(end => end.Key.Contains($": close {closeCode} ", StringComparison.Ordinal)).Sum(end => end.Value);

    /// <summary>How the WebSocket connections of the case ended, per client and reason.</summary>
    public string Ends => string.Join(", ", _ends.OrderBy(end => end.Key, StringComparer.Ordinal).Select(end => $"{end.Key} ×{end.Value}"));

    /// <summary>Each stall, with what its sender's connections did from 5 s before it to 15 s after.</summary>
    public string Describe()
    {
        if (_stalls.IsEmpty)
        {
            return "no unanswered attempts";
        }

        return string.Join('\n', _stalls.Select(stall => stall + "\n" + string.Join('\n', _events
            .Where(e => e.Sender == stall.Sender && e.At >= stall.StartedAt - TimeSpan.FromSeconds(5) && e.At <= stall.StartedAt + TimeSpan.FromSeconds(15))
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"    {e.At.TotalSeconds:0.000} s {e.What}")))));
    }
}
