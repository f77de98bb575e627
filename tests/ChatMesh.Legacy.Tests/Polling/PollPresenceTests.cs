using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>
/// A long-poll user's registry entry lasts the presence timeout past the end of the hold it was written for, and is
/// rewritten only when it would run out less than a third of the timeout after the current poll's hold.
/// </summary>
public sealed class PollPresenceTests
{
    private const long Frequency = 1000; // timestamps in ms
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_client_re_polling_after_each_heartbeat_is_rewritten_every_other_poll()
    {
        // Written at 0 for a 30 s hold: lasts until 90 s.
        const long until = 90_000;

        Assert.False(PollPresence.IsDue(until, 30_000, Hold, Timeout, Frequency), "after the first heartbeat: 30 s left past the hold");
        Assert.True(PollPresence.IsDue(until, 60_000, Hold, Timeout, Frequency), "after the second: it would run out as the hold ends");
    }

    [Fact]
    public void An_entry_never_runs_out_during_a_hold_nor_within_a_third_of_the_timeout_after_it()
    {
        const long until = 90_000;
        for (long now = 0; now <= 90_000; now += 500)
        {
            if (!PollPresence.IsDue(until, now, Hold, Timeout, Frequency))
            {
                Assert.True(until >= now + 30_000 + 20_000, $"a poll at {now} ms was not rewritten but its entry ends at {until}");
            }
        }

        // A short poll (no hold) or a register is held to the same rule.
        Assert.True(PollPresence.IsDue(until, 70_001, TimeSpan.Zero, Timeout, Frequency));
        Assert.False(PollPresence.IsDue(until, 70_000, TimeSpan.Zero, Timeout, Frequency));
    }
}
