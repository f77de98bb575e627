using System.Collections.Concurrent;

namespace ChatMesh.Legacy.Polling;

/// <summary>Counts the polls each user holds on this instance, to cap them (<c>Legacy:MaxHeldPollsPerUser</c>).</summary>
public sealed class HeldPolls
{
    private readonly ConcurrentDictionary<string, int> _byUser = new(StringComparer.Ordinal);

    /// <summary>Takes a slot for the user, or null at <paramref name="max"/>; dispose to give it back.</summary>
    public IDisposable? TryHold(string user, int max)
    {
        while (true)
        {
            var current = _byUser.GetOrAdd(user, 0);
            if (current >= max)
            {
                return null;
            }

            if (_byUser.TryUpdate(user, current + 1, current))
            {
                return new Slot(this, user);
            }
        }
    }

    private void Release(string user)
    {
        while (true)
        {
            var current = _byUser[user];
            if (current <= 1)
            {
                // Remove only if still 1, so a concurrent hold is not lost.
                if (_byUser.TryRemove(new KeyValuePair<string, int>(user, current)))
                {
                    return;
                }
            }
            else if (_byUser.TryUpdate(user, current - 1, current))
            {
                return;
            }
        }
    }

    private sealed class Slot(HeldPolls owner, string user) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(user);
            }
        }
    }
}
