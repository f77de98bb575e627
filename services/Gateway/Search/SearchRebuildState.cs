namespace ChatMesh.Gateway.Search;

/// <summary>Where this gateway's index rebuild stands: <c>idle</c>, <c>pending</c> (asked for, not started) or <c>rebuilding</c>.</summary>
public static class SearchRebuildStates
{
    public const string Idle = "idle";
    public const string Pending = "pending";
    public const string Rebuilding = "rebuilding";
}

/// <summary>
/// The index as an operator sees it (<c>GET /operations/search</c>): the rebuild's state, when the last one was asked
/// for, started and finished, the messages it indexed (so far, while it runs), the log position the index has applied,
/// the log's head, and the lag between them in events.
/// </summary>
public sealed record SearchIndexStatus(
    string State,
    DateTimeOffset? RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long MessagesIndexed,
    long Position,
    long Head,
    long Lag);

/// <summary>
/// One rebuild at a time per gateway: an operator's request (<see cref="TryRequest"/>) is taken by the indexer, which runs
/// every rebuild (asked for, or its own at start) on its loop, the index's one writer, between <see cref="Begin"/> and
/// <see cref="End"/>.
/// </summary>
public sealed class SearchRebuildState(TimeProvider time)
{
    private readonly Lock _gate = new();
    private string _state = SearchRebuildStates.Idle;
    private DateTimeOffset? _requestedAt, _startedAt, _finishedAt;
    private long _messages;

    /// <summary>True while a request waits for the indexer to take it.</summary>
    public bool IsRequested
    {
        get
        {
            lock (_gate)
            {
                return _state == SearchRebuildStates.Pending;
            }
        }
    }

    /// <summary>Asks for a rebuild; false when one is already asked for or running.</summary>
    public bool TryRequest()
    {
        lock (_gate)
        {
            if (_state != SearchRebuildStates.Idle)
            {
                return false;
            }

            _state = SearchRebuildStates.Pending;
            _requestedAt = time.GetUtcNow();
            return true;
        }
    }

    /// <summary>A rebuild starts (or starts again after a failure): the count starts from 0.</summary>
    public void Begin()
    {
        lock (_gate)
        {
            _state = SearchRebuildStates.Rebuilding;
            _startedAt = time.GetUtcNow();
            _finishedAt = null;
            Interlocked.Exchange(ref _messages, 0);
        }
    }

    /// <summary>Counts messages the running rebuild has put in the index.</summary>
    public void Indexed(long messages) => Interlocked.Add(ref _messages, messages);

    /// <summary>The rebuild finished: searches now see the rebuilt index.</summary>
    public void End()
    {
        lock (_gate)
        {
            _state = SearchRebuildStates.Idle;
            _finishedAt = time.GetUtcNow();
        }
    }

    public SearchIndexStatus Status(long position, long head)
    {
        lock (_gate)
        {
            return new SearchIndexStatus(_state, _requestedAt, _startedAt, _finishedAt, Interlocked.Read(ref _messages),
                position, head, Math.Max(0, head - position));
        }
    }
}
