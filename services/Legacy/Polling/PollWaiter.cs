using System.Diagnostics;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;

namespace ChatMesh.Legacy.Polling;

/// <summary>A live event a held poll heard, with the span that dispatched it (the event's trace) for the response span.</summary>
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
                // The hub calls this inside its dispatch span, a child of the event's own trace.
                _heard.Add(new HeardEvent(liveEvent, Activity.Current?.Context ?? default));
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

            _heard.RemoveAll(heard => heard.Event.Id <= position);
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
    public bool TryTakeAfter(long position, int limit, out List<HeardEvent> events)
    {
        lock (_gate)
        {
            events = [.. _heard.Where(heard => heard.Event.Id > position).Take(limit)];
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

    /// <summary>True when woken, false at the end of <paramref name="wait"/> or when either token fires. No thread is held.</summary>
    public async Task<bool> WaitAsync(TimeSpan wait, TimeProvider time, CancellationToken release, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            signal = _signal.Task;
        }

        if (signal.IsCompleted)
        {
            return true;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(release, cancellationToken);
        var timeout = Task.Delay(wait, time, stop.Token);
        var first = await Task.WhenAny(signal, timeout);
        await stop.CancelAsync(); // releases the timer at once when woken
        return first == signal;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
