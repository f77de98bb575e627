using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>
/// A re-poll skips Redis only when it continues exactly where this instance's answer left the queue, no other poll holds
/// it, nothing marked it changed elsewhere, and its lease has time left; it then owes Redis its acknowledgement.
/// </summary>
public sealed class LocalQueueTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);
    private static readonly LegacyOptions Options = new();
    private readonly long _now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private LocalQueue AnsweredAt(long answered)
    {
        var local = new LocalQueue(new EventQueue("q", "alice", QueueFilter.All, 10), capacity: 100);
        Assert.True(local.TryClaim("alice"));
        local.Started(10, "lease", _now + 40_000, _now + 600_000);
        local.Ended(answered, TimeProvider.System.GetTimestamp());
        return local;
    }

    [Fact]
    public void Only_the_answered_cursor_of_the_same_user_resumes_and_then_owes_its_acknowledgement()
    {
        var local = AnsweredAt(12);

        Assert.False(local.TryResume("alice", 11, _now, Hold, Options, out _));
        Assert.False(local.TryResume("bob", 12, _now, Hold, Options, out _));
        Assert.True(local.TryResume("alice", 12, _now, Hold, Options, out var write));
        Assert.True(write);
        Assert.Equal(12, local.Acked);
    }

    [Fact]
    public void A_queue_held_by_a_poll_or_changed_elsewhere_does_not_resume()
    {
        var local = AnsweredAt(12);
        Assert.True(local.TryResume("alice", 12, _now, Hold, Options, out _));

        Assert.False(local.TryResume("alice", 12, _now, Hold, Options, out _));
        local.Ended(12, TimeProvider.System.GetTimestamp());
        local.MarkStale();
        Assert.False(local.TryResume("alice", 12, _now, Hold, Options, out _));
    }

    [Fact]
    public void A_lease_close_to_running_out_sends_the_poll_to_the_queue_script()
    {
        var local = AnsweredAt(12);

        // 40 s lease, 36 s later: less than half the grace left.
        Assert.False(local.TryResume("alice", 12, _now + 36_000, Hold, Options, out _));
    }

    [Fact]
    public void A_forgotten_queue_gives_its_lease_back_in_the_next_write()
    {
        var local = AnsweredAt(12);
        Assert.True(local.TryEvict(TimeProvider.System.GetTimestamp(), TimeSpan.Zero, TimeProvider.System, force: false));
        List<StackExchange.Redis.RedisValue> records = [];

        local.TakeWrites(_now, records);

        Assert.Equal(["x", "q", "alice", "lease", ""], records.Select(static value => (string)value!));
        Assert.False(local.TryResume("alice", 12, _now, Hold, Options, out _));
    }
}
