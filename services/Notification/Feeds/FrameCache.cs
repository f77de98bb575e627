using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// The frames of the last events (and signals) of one format, so an event fanned out to every stream of this instance
/// is framed once, not once per stream: a fixed table like <c>CommitTimestamps</c>, a logged event's slot keyed by its
/// id (a replay of a recent event finds the live one's frame), a signal's (id 0) by the identity of its JSON, which the
/// hub hands to every subscriber as the same memory. A miss — a stream lagging more than the table holds, two events
/// in one slot — only frames the item again; a race frames it twice. Slots hold immutable frames, so readers need no lock.
/// </summary>
internal sealed class FrameCache
{
    /// <summary>More than a stream may lag behind (<c>MaxQueuedEvents</c>, 1024 by default) costs a re-frame, not an error.</summary>
    public const int Slots = 1024;

    private readonly Frame?[] _frames = new Frame?[Slots];

    public byte[] GetOrAdd(in FeedItem item, FeedFormat format)
    {
        var json = item.Json;
        object? source = null;
        var offset = 0;
        int index;
        if (item.Id > 0)
        {
            index = (int)((ulong)item.Id % Slots);
        }
        else if (MemoryMarshal.TryGetArray(json, out var segment) && segment.Array is { } array)
        {
            source = array;
            offset = segment.Offset;
            index = (int)((uint)(RuntimeHelpers.GetHashCode(array) ^ offset) % Slots);
        }
        else
        {
            return format.Build(item);
        }

        ref var slot = ref _frames[index];
        var known = Volatile.Read(ref slot);
        if (known is not null && known.Id == item.Id && known.Length == json.Length && ReferenceEquals(known.Source, source)
            && known.Offset == offset && string.Equals(known.Type, item.Type, StringComparison.Ordinal))
        {
            return known.Bytes;
        }

        var frame = new Frame(item.Id, item.Type, source, offset, json.Length, format.Build(item));
        Volatile.Write(ref slot, frame);
        return frame.Bytes;
    }

    /// <summary>
    /// One framed item. A logged event is known by its id (its JSON is immutable, the same on every instance); a signal
    /// by the array its JSON lives in (compared by reference; signal JSON is never rewritten once handed out).
    /// </summary>
    private sealed record Frame(long Id, string Type, object? Source, int Offset, int Length, byte[] Bytes);
}
