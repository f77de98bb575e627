using System.Diagnostics;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// A live event a held poll heard, with the span that dispatched it (the event's trace) for the response span: set only for
/// the subscribers the hub samples for write spans (<c>Chat:LiveEvents:WriteSpansPerDispatch</c>), default for the others.
/// </summary>
internal readonly record struct HeardEvent(LiveEvent Event, ActivityContext Trace);

/// <summary>
/// A held poll's live subscription. It keeps the events the queue wants (up to <c>capacity</c>; one more marks it
/// overflowed) and wakes the poll when one newer than the poll's position passes this instance. The poll then answers
/// from what was heard when that is provably complete (<see cref="LiveAnswer"/>), or else from the log.
/// </summary>
internal sealed class PollWaiter(string userId, QueueFilter filter, int capacity) : ILiveSubscriber
{
    private readonly Lock _gate = new();
    private readonly List<HeardEvent> _heard = [];
    private TaskCompletionSource _signal = NewSignal();
    private long _armedAt = long.MaxValue;
    private long _forgotThrough = long.MinValue;
    private bool _overflowed;
    private readonly HoldTimeout _timeout = new();

    public string UserId { get; } = userId;

    /// <summary>
    /// Whether every event heard after <paramref name="position"/> is still kept: none did not fit, and none after it was
    /// forgotten by an earlier <see cref="Arm"/> at a later position.
    /// </summary>
    public bool Keeps(long position)
    {
        lock (_gate)
        {
            return !_overflowed && position >= _forgotThrough;
        }
    }

    public void OnEvent(in LiveEvent liveEvent)
    {
        // Typing and presence (id 0) are not logged, so not in a queue.
        if (liveEvent.Id == 0 || !filter.Matches(in liveEvent))
        {
            return;
        }

        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (_heard.Count < capacity)
            {
                // The hub hands its dispatch span (a child of the event's own trace) only to the sampled subscribers, so a
                // fan-out to thousands of polls costs a few answer spans, not one per poll.
                _heard.Add(new HeardEvent(liveEvent, liveEvent.Cause?.Context ?? default));
            }
            else
            {
                _overflowed = true;
            }

            wake = liveEvent.Id > _armedAt ? _signal : null;
        }

        wake?.TrySetResult();
    }

    /// <summary>
    /// Re-arms after the poll read up to <paramref name="position"/>: forgets what was heard up to it and fires at once if
    /// something newer was already heard (so no wake-up is lost between a read and the arm).
    /// </summary>
    public void Arm(long position)
    {
        lock (_gate)
        {
            if (_signal.Task.IsCompleted)
            {
                _signal = NewSignal();
            }

            // Compacted in place (RemoveAll's closure would be an allocation per poll).
            var kept = 0;
            for (var i = 0; i < _heard.Count; i++)
            {
                if (_heard[i].Event.Id > position)
                {
                    _heard[kept++] = _heard[i];
                }
            }

            _heard.RemoveRange(kept, _heard.Count - kept);
            _forgotThrough = Math.Max(_forgotThrough, position);
            _armedAt = position;
            if (_heard.Count > 0 || _overflowed)
            {
                _signal.TrySetResult();
            }
        }
    }

    /// <summary>
    /// The heard events after <paramref name="position"/>, in id order, at most <paramref name="limit"/>; false when some
    /// event did not fit (then only the log can say what came).
    /// </summary>
    public bool TryTakeAfter(long position, int limit, out IReadOnlyList<HeardEvent> events)
    {
        lock (_gate)
        {
            // Kept in id order and compacted by Arm, so what follows the position is a tail of the list.
            var first = _heard.Count;
            while (first > 0 && _heard[first - 1].Event.Id > position)
            {
                first--;
            }

            var count = Math.Min(_heard.Count - first, limit);
            // Nothing new is the common case (a re-poll's first look): no list for it.
            events = count == 0 ? [] : _heard.GetRange(first, count);
            return !_overflowed;
        }
    }

    /// <summary>The dispatch span of the first event heard after <paramref name="position"/>, or default.</summary>
    public ActivityContext WokenBy(long position)
    {
        lock (_gate)
        {
            return _heard.FirstOrDefault(heard => heard.Event.Id > position).Trace;
        }
    }

    /// <summary>
    /// True when woken, false at the end of <paramref name="wait"/> (on <paramref name="clock"/>'s tick) or when either
    /// token fires. No thread, no timer of its own.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan wait, HoldClock clock, CancellationToken release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clock);
        TaskCompletionSource signal;
        lock (_gate)
        {
            signal = _signal;
        }

        if (signal.Task.IsCompleted)
        {
            return true;
        }

        // Per held poll: a link into the shared clock (which also watches the instance stopping) and one registration on
        // the request's token; no timer, no linked source, no delay task, no WhenAny.
        var timeout = _timeout;
        timeout.TimedOut = false;
        timeout.Signal = signal;
        if (!clock.Add(timeout, wait, release))
        {
            timeout.Signal = null;
            return false;
        }

        try
        {
            using (cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), signal))
            {
                await signal.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            clock.Remove(timeout);
            timeout.Signal = null;
        }

        return !timeout.TimedOut && !release.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
