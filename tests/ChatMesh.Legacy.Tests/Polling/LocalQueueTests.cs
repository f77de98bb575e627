using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>
/// A re-poll skips the queue script only when it continues exactly where this instance's answer left the queue, no other
/// poll holds it and nothing marked it changed elsewhere; it then owes Redis a new lease and its acknowledgement, and its
/// end gives the lease back.
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
        // What the first poll owed (its lease back) went out in an earlier batch.
        local.TakeWrites(_now, [], []);
        return local;
    }

    [Fact]
    public void Only_the_answered_cursor_of_the_same_user_resumes_and_then_owes_its_acknowledgement()
    {
        var local = AnsweredAt(12);

        Assert.False(local.TryResume("alice", 11, _now, Hold, Options));
        Assert.False(local.TryResume("bob", 12, _now, Hold, Options));
        Assert.True(local.TryResume("alice", 12, _now, Hold, Options));
        Assert.Equal(12, local.Acked);
        List<StackExchange.Redis.RedisValue> releases = [], records = [];
        local.TakeWrites(_now, releases, records);
        Assert.Empty(releases);
        Assert.Equal(["h", "a"], records.Where((_, i) => i % 5 == 0).Select(static value => (string)value!));
    }

    [Fact]
    public void A_queue_held_by_a_poll_or_changed_elsewhere_does_not_resume()
    {
        var local = AnsweredAt(12);
        Assert.True(local.TryResume("alice", 12, _now, Hold, Options));

        Assert.False(local.TryResume("alice", 12, _now, Hold, Options));
        local.Ended(12, TimeProvider.System.GetTimestamp());
        local.MarkStale();
        Assert.False(local.TryResume("alice", 12, _now, Hold, Options));
    }

    [Fact]
    public void A_refused_lease_is_not_held_and_not_given_back()
    {
        var local = AnsweredAt(12);
        Assert.True(local.TryResume("alice", 12, _now, Hold, Options));

        local.LeaseRefused();

        Assert.False(local.HoldsLease);
        local.Ended(answered: null, TimeProvider.System.GetTimestamp());
        List<StackExchange.Redis.RedisValue> releases = [], records = [];
        local.TakeWrites(_now, releases, records);
        Assert.Empty(releases);
    }

    [Fact]
    public void An_answered_poll_gives_its_lease_back_before_anything_else_in_the_batch()
    {
        var local = AnsweredAt(12);
        Assert.True(local.TryResume("alice", 12, _now, Hold, Options));
        Assert.True(local.HoldsLease);

        local.Ended(answered: 13, TimeProvider.System.GetTimestamp());
        List<StackExchange.Redis.RedisValue> releases = [], records = [];
        local.TakeWrites(_now, releases, records);

        Assert.Equal("x", (string)releases[0]!);
        Assert.True(local.TryResume("alice", 13, _now, Hold, Options));
    }
}
