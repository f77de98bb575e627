using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Legacy.EventQueues;

namespace ChatMesh.Legacy.Polling;

/// <summary>
/// A held poll's live subscription: it stores nothing, it only wakes the poll when an event the queue wants (or a join of
/// this user, which changes what the queue sees) passes this instance, so the poll reads the batch from the log.
/// </summary>
internal sealed class PollWaiter(string userId, QueueFilter filter) : ILiveSubscriber
{
    private TaskCompletionSource _signal = NewSignal();
    private long _newest;

    public string UserId { get; } = userId;

    public void OnEvent(in LiveEvent liveEvent)
    {
        if (liveEvent.Id == 0)
        {
            return; // typing and presence are not logged, so not in a queue
        }

        var joined = liveEvent.Type == ChatEventTypes.MemberJoined && liveEvent.User == UserId;
        if (!joined && !filter.Matches(in liveEvent))
        {
            return;
        }

        // Record first, then wake: Arm reads in the opposite order, so no wake-up is lost between them.
        InterlockedMax(ref _newest, liveEvent.Id);
        Volatile.Read(ref _signal).TrySetResult();
    }

    /// <summary>Re-arms after a read up to <paramref name="position"/>; fires at once if something newer already arrived.</summary>
    public void Arm(long position)
    {
        if (Volatile.Read(ref _signal).Task.IsCompleted)
        {
            Volatile.Write(ref _signal, NewSignal());
        }

        if (Interlocked.Read(ref _newest) > position)
        {
            Volatile.Read(ref _signal).TrySetResult();
        }
    }

    /// <summary>True when woken, false at the end of <paramref name="wait"/> or when either token fires. No thread is held.</summary>
    public async Task<bool> WaitAsync(TimeSpan wait, TimeProvider time, CancellationToken release, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _signal).Task;
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

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
