namespace ChatMesh.Chat.LiveEvents;

public sealed partial class LiveEventHub
{
    /// <summary>
    /// The subscriptions of one room or one user. Changed only under the hub's lock, in O(1) amortised: an add takes a
    /// free slot (or appends, doubling the array when full), a remove clears its slot in place and lists it for reuse,
    /// and when three quarters of the slots are free the live ones are packed into a fresh array of half the size. A
    /// dispatch reads the slots without the lock and without allocating (<see cref="Read"/>): a grown or packed array is
    /// a new one, so a dispatch keeps iterating the one it read; in it, a slot cleared meanwhile reads null and a
    /// subscription disposed meanwhile is skipped by the dispatch, and one added meanwhile may or may not be reached (as
    /// for a subscription made just after the dispatch started).
    /// </summary>
    private sealed class SubscriberSet(string key, bool byUser)
    {
        private const int MinCapacity = 4;

        private readonly Stack<int> _free = new();
        private Subscription?[] _slots = new Subscription?[MinCapacity];
        // Slots below _end have been used; written after _slots, so a reader of _end sees an array at least as new.
        private int _end;

        /// <summary>Live subscriptions in the set (read under the lock, or as an estimate).</summary>
        public int Count { get; private set; }

        /// <summary>The slots to iterate and how many of them (null entries are free); no lock needed.</summary>
        public Subscription?[] Read(out int end)
        {
            end = Volatile.Read(ref _end);
            var slots = Volatile.Read(ref _slots);
            end = Math.Min(end, slots.Length);
            return slots;
        }

        /// <summary>Adds <paramref name="subscription"/>; returns its slot, which it keeps until removed or moved by a pack.</summary>
        public int Add(Subscription subscription)
        {
            var slots = _slots;
            if (!_free.TryPop(out var index))
            {
                index = _end;
                if (index == slots.Length)
                {
                    var grown = new Subscription?[slots.Length * 2];
                    Array.Copy(slots, grown, index);
                    slots = grown;
                    Volatile.Write(ref _slots, grown);
                }
            }

            Volatile.Write(ref slots[index], subscription);
            if (index == _end)
            {
                Volatile.Write(ref _end, index + 1);
            }

            Count++;
            return index;
        }

        /// <summary>Removes the subscription in <paramref name="index"/>; true when the set is empty now.</summary>
        public bool Remove(int index)
        {
            var slots = _slots;
            Volatile.Write(ref slots[index], null);
            _free.Push(index);
            Count--;
            if (Count == 0)
            {
                return true;
            }

            if (slots.Length > MinCapacity && Count < slots.Length / 4)
            {
                Pack(slots);
            }

            return false;
        }

        private void Pack(Subscription?[] slots)
        {
            var packed = new Subscription?[Math.Max(MinCapacity, slots.Length / 2)];
            var next = 0;
            for (var i = 0; i < _end; i++)
            {
                if (slots[i] is not { } subscription)
                {
                    continue;
                }

                packed[next] = subscription;
                if (byUser)
                {
                    subscription.UserSlot = next;
                }
                else
                {
                    subscription.RoomSlots[key] = next;
                }

                next++;
            }

            _free.Clear();
            Volatile.Write(ref _slots, packed);
            Volatile.Write(ref _end, next);
        }
    }
}
