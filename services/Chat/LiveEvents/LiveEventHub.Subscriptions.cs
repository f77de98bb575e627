namespace ChatMesh.Chat.LiveEvents;

public sealed partial class LiveEventHub
{
    public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(rooms);
        var subscription = new Subscription(this, subscriber);
        lock (_gate)
        {
            foreach (var room in rooms)
            {
                if (!subscription.RoomSlots.ContainsKey(room))
                {
                    subscription.RoomSlots[room] = SetFor(_byRoom, room, byUser: false).Add(subscription);
                }
            }
            subscription.UserSlot = SetFor(_byUser, subscriber.UserId, byUser: true).Add(subscription);
        }
        metrics.SubscriberAdded();
        return subscription;
    }

    /// <summary>The subscriptions routed by <paramref name="key"/>, or null; the dictionary lookup is the only locked part of a dispatch.</summary>
    private SubscriberSet? Targets(Dictionary<string, SubscriberSet> map, string? key)
    {
        if (key is null)
        {
            return null;
        }
        lock (_gate)
        {
            return map.GetValueOrDefault(key);
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
            var slots = subscriptions.Read(out var end);
            for (var i = 0; i < end; i++)
            {
                if (slots[i] is { } subscription && !subscription.RoomSlots.ContainsKey(room))
                {
                    subscription.RoomSlots[room] = SetFor(_byRoom, room, byUser: false).Add(subscription);
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
            var slots = subscriptions.Read(out var end);
            for (var i = 0; i < end; i++)
            {
                if (slots[i] is { } subscription && subscription.RoomSlots.Remove(room, out var slot))
                {
                    Remove(_byRoom, room, slot);
                }
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            foreach (var (room, slot) in subscription.RoomSlots)
            {
                Remove(_byRoom, room, slot);
            }
            subscription.RoomSlots.Clear();
            Remove(_byUser, subscription.Subscriber.UserId, subscription.UserSlot);
        }
        metrics.SubscriberRemoved();
    }

    private static SubscriberSet SetFor(Dictionary<string, SubscriberSet> map, string key, bool byUser)
    {
        if (!map.TryGetValue(key, out var set))
        {
            set = new SubscriberSet(key, byUser);
            map[key] = set;
        }
        return set;
    }

    private static void Remove(Dictionary<string, SubscriberSet> map, string key, int slot)
    {
        if (map.TryGetValue(key, out var set) && set.Remove(slot))
        {
            // Empty: a dispatch still holding it finds every slot free; the next subscriber gets a new set.
            map.Remove(key);
        }
    }

    /// <summary>One subscriber's registration; its slots (per room, and in its user's set) are guarded by the hub's lock.</summary>
    private sealed class Subscription(LiveEventHub hub, ILiveSubscriber subscriber) : IDisposable
    {
        private int _disposed;

        public ILiveSubscriber Subscriber { get; } = subscriber;

        /// <summary>The rooms it is routed from, each with its slot in that room's <see cref="SubscriberSet"/>.</summary>
        public Dictionary<string, int> RoomSlots { get; } = new(StringComparer.Ordinal);

        /// <summary>Its slot in its user's <see cref="SubscriberSet"/>.</summary>
        public int UserSlot { get; set; }

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
