namespace ChatMesh.Chat.LiveEvents;

public sealed partial class LiveEventHub
{
    private static readonly Subscription[] NoSubscriptions = [];

    public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(rooms);
        var subscription = new Subscription(this, subscriber);
        lock (_gate)
        {
            foreach (var room in rooms)
            {
                if (subscription.Rooms.Add(room))
                {
                    Add(_byRoom, room, subscription);
                }
            }
            Add(_byUser, subscriber.UserId, subscription);
        }
        metrics.SubscriberAdded();
        return subscription;
    }

    private Subscription[] Targets(Dictionary<string, Subscription[]> map, string? key)
    {
        if (key is null)
        {
            return NoSubscriptions;
        }
        lock (_gate)
        {
            return map.TryGetValue(key, out var subscriptions) ? subscriptions : NoSubscriptions;
        }
    }

    private void Join(string user, string room)
    {
        lock (_gate)
        {
            if (!_byUser.TryGetValue(user, out var subscriptions))
            {
                return;
            }
            foreach (var subscription in subscriptions)
            {
                if (subscription.Rooms.Add(room))
                {
                    Add(_byRoom, room, subscription);
                }
            }
        }
    }

    private void Leave(string user, string room)
    {
        lock (_gate)
        {
            if (!_byUser.TryGetValue(user, out var subscriptions))
            {
                return;
            }
            foreach (var subscription in subscriptions)
            {
                if (subscription.Rooms.Remove(room))
                {
                    Remove(_byRoom, room, subscription);
                }
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            foreach (var room in subscription.Rooms)
            {
                Remove(_byRoom, room, subscription);
            }
            subscription.Rooms.Clear();
            Remove(_byUser, subscription.Subscriber.UserId, subscription);
        }
        metrics.SubscriberRemoved();
    }

    // Copy-on-write: a dispatch in progress keeps iterating the array it read.
    private static void Add(Dictionary<string, Subscription[]> map, string key, Subscription subscription)
    {
        if (map.TryGetValue(key, out var current))
        {
            var grown = new Subscription[current.Length + 1];
            current.CopyTo(grown, 0);
            grown[^1] = subscription;
            map[key] = grown;
        }
        else
        {
            map[key] = [subscription];
        }
    }

    private static void Remove(Dictionary<string, Subscription[]> map, string key, Subscription subscription)
    {
        if (!map.TryGetValue(key, out var current))
        {
            return;
        }
        var index = Array.IndexOf(current, subscription);
        if (index < 0)
        {
            return;
        }
        if (current.Length == 1)
        {
            map.Remove(key);
            return;
        }
        var shrunk = new Subscription[current.Length - 1];
        Array.Copy(current, 0, shrunk, 0, index);
        Array.Copy(current, index + 1, shrunk, index, current.Length - index - 1);
        map[key] = shrunk;
    }

    /// <summary>One subscriber's registration; its room set is guarded by the hub's lock.</summary>
    private sealed class Subscription(LiveEventHub hub, ILiveSubscriber subscriber) : IDisposable
    {
        private int _disposed;

        public ILiveSubscriber Subscriber { get; } = subscriber;

        public HashSet<string> Rooms { get; } = new(StringComparer.Ordinal);

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                hub.Unsubscribe(this);
            }
        }
    }
}
