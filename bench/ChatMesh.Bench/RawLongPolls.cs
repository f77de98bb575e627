using System.Globalization;
using System.Text;

namespace ChatMesh.Bench;

/// <summary>
/// The raw long-poll of <see cref="RawFeedServer"/>: <c>GET /poll?after=N&amp;timeout=S</c> is answered at once when an
/// event past N is in memory, else held until one is (or the timeout: an empty heartbeat answer). The answer is
/// ChatMesh's shape, <c>{"events":[…],"lastEventId":N,"heartbeat":bool}</c>; the common one (one event, the cursor
/// at it) is built once per event and the same bytes go to every poll it wakes. Timeouts are swept by one timer.
/// </summary>
internal sealed class RawLongPolls
{
    /// <summary>Events kept in memory (a poll further behind gets the oldest kept, as far as one answer holds).</summary>
    private const int Retained = 1024;

    /// <summary>As ChatMesh's <c>Legacy:MaxEventsPerResponse</c> default.</summary>
    private const int MaxEventsPerResponse = 100;

    private const int MaxTimeoutSeconds = 60;

    private readonly Lock _gate = new();
    private readonly (long Id, byte[] Json)[] _log = new (long, byte[])[Retained];
    private long _head;
    private byte[] _latestAnswer = [];
    private List<Waiter> _waiters = [];

    public async Task ServeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!long.TryParse(query["after"], NumberStyles.None, CultureInfo.InvariantCulture, out var after)
            || !int.TryParse(query["timeout"], NumberStyles.None, CultureInfo.InvariantCulture, out var timeout) || timeout > MaxTimeoutSeconds)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        byte[] answer;
        Waiter? waiter = null;
        lock (_gate)
        {
            if (after > _head)
            {
                // As ChatMesh's cursor_from_future.
                answer = [];
            }
            else if (after < _head)
            {
                answer = AnswerLocked(after);
            }
            else
            {
                waiter = new Waiter(after, Environment.TickCount64 + (timeout * 1000L));
                _waiters.Add(waiter);
                answer = [];
            }
        }

        if (waiter is not null)
        {
            answer = await waiter.Answer.Task;
        }
        else if (answer.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = answer.Length;
        await response.Body.WriteAsync(answer, context.RequestAborted);
    }

    /// <summary>Appends event <paramref name="id"/> (ids come in order) and answers every held poll.</summary>
    public void Append(long id, byte[] json)
    {
        List<Waiter> woken;
        var shared = Answer([json], id, heartbeat: false);
        lock (_gate)
        {
            _log[id % Retained] = (id, json);
            _latestAnswer = shared;
            _head = id;
            woken = _waiters;
            _waiters = [];
        }

        // Every held poll was at the previous head (a poll behind it is answered at once), so the shared answer is theirs.
        foreach (var waiter in woken)
        {
            waiter.Answer.TrySetResult(shared);
        }
    }

    /// <summary>One timer for every held poll: those past their timeout get an empty heartbeat answer.</summary>
    public IAsyncDisposable StartTimeouts() => new Sweep(TimeSpan.FromSeconds(1), () =>
    {
        var now = Environment.TickCount64;
        List<Waiter> expired;
        lock (_gate)
        {
            expired = _waiters.FindAll(waiter => waiter.Deadline <= now);
            if (expired.Count == 0)
            {
                return;
            }

            _waiters.RemoveAll(waiter => waiter.Deadline <= now);
        }

        foreach (var waiter in expired)
        {
            waiter.Answer.TrySetResult(Answer([], waiter.After, heartbeat: true));
        }
    });

    private byte[] AnswerLocked(long after)
    {
        if (after == _head - 1)
        {
            return _latestAnswer;
        }

        var from = Math.Max(after + 1, Math.Max(1, _head - Retained + 1));
        var to = Math.Min(_head, from + MaxEventsPerResponse - 1);
        var events = new List<byte[]>((int)(to - from + 1));
        for (var id = from; id <= to; id++)
        {
            events.Add(_log[id % Retained].Json);
        }

        return Answer(events, to, heartbeat: false);
    }

    private static byte[] Answer(IReadOnlyList<byte[]> events, long lastEventId, bool heartbeat)
    {
        var body = new List<byte>(events.Sum(json => json.Length + 1) + 64);
        body.AddRange("{\"events\":["u8);
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                body.Add((byte)',');
            }

            body.AddRange(events[i]);
        }

        body.AddRange(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"],\"lastEventId\":{lastEventId},\"heartbeat\":{(heartbeat ? "true" : "false")}}}")));
        return [.. body];
    }

    private sealed record Waiter(long After, long Deadline)
    {
        public TaskCompletionSource<byte[]> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
