using System.Text;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Notification.Feeds;
using ChatMesh.Notification.Stream;

namespace ChatMesh.Notification.Tests.Feeds;

/// <summary>An event fanned out to many streams is framed once; a slot reused by another event never serves the wrong frame.</summary>
public sealed class FrameCacheTests
{
    private readonly FrameCache _cache = new();
    private readonly NdjsonFormat _format = new();

    [Fact]
    public void Every_stream_gets_the_same_frame_of_an_event_and_a_replayed_copy_finds_it()
    {
        var live = Event(42, """{"id":42,"type":"message.created"}""");
        var replayed = Event(42, """{"id":42,"type":"message.created"}""");

        var first = _cache.GetOrAdd(live, _format);

        Assert.Same(first, _cache.GetOrAdd(live, _format));
        Assert.Same(first, _cache.GetOrAdd(replayed, _format));
        Assert.Equal("{\"id\":42,\"type\":\"message.created\"}\n", Encoding.UTF8.GetString(first));
    }

    [Fact]
    public void Two_events_in_one_slot_each_get_their_own_frame()
    {
        var older = Event(7, """{"id":7}""");
        var newer = Event(7 + FrameCache.Slots, """{"id":1031}""");

        _cache.GetOrAdd(older, _format);
        Assert.Equal("{\"id\":1031}\n", Encoding.UTF8.GetString(_cache.GetOrAdd(newer, _format)));
        Assert.Equal("{\"id\":7}\n", Encoding.UTF8.GetString(_cache.GetOrAdd(older, _format)));
    }

    [Fact]
    public void A_signal_is_known_by_its_memory_not_by_equal_bytes()
    {
        var json = Encoding.UTF8.GetBytes("""{"type":"presence","user":"bob","status":"online"}""");
        var signal = new FeedItem(0, "presence", null, json, IsControl: false);
        var other = new FeedItem(0, "presence", null, Encoding.UTF8.GetBytes("""{"type":"presence","user":"eve","status":"online"}"""), IsControl: false);

        var first = _cache.GetOrAdd(signal, _format);

        Assert.Same(first, _cache.GetOrAdd(signal with { }, _format));
        Assert.Contains("eve", Encoding.UTF8.GetString(_cache.GetOrAdd(other, _format)), StringComparison.Ordinal);
        Assert.Contains("bob", Encoding.UTF8.GetString(_cache.GetOrAdd(signal, _format)), StringComparison.Ordinal);
    }

    private static FeedItem Event(long id, string json) => new(id, "message.created", "room", Encoding.UTF8.GetBytes(json), IsControl: false);
}
