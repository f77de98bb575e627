using ChatMesh.Legacy.Hosting;

namespace ChatMesh.Legacy.Tests.Hosting;

public sealed class LegacyOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(new LegacyOptionsValidator().Validate(null, new LegacyOptions()).Succeeded);

    public static TheoryData<string, Action<LegacyOptions>> Invalid => new()
    {
        { "Legacy:MaxPollTimeout", o => o.MaxPollTimeout = TimeSpan.Zero },
        { "Legacy:MaxPollTimeout", o => o.MaxPollTimeout = TimeSpan.FromHours(1) },
        { "Legacy:QueueIdleTimeout", o => o.QueueIdleTimeout = TimeSpan.FromMilliseconds(10) },
        { "Legacy:ExpiredQueueMemory", o => o.ExpiredQueueMemory = TimeSpan.FromSeconds(-1) },
        { "Legacy:MaxQueuesPerUser", o => o.MaxQueuesPerUser = 0 },
        { "Legacy:ShortPollsPerMinute", o => o.ShortPollsPerMinute = 0 },
        { "Legacy:MaxHeldPollsPerUser", o => o.MaxHeldPollsPerUser = 0 },
        { "Legacy:HeldPollLeaseGrace", o => o.HeldPollLeaseGrace = TimeSpan.Zero },
        { "Legacy:MaxRequestBodyBytes", o => o.MaxRequestBodyBytes = 10 },
        { "Legacy:MaxEventsPerResponse", o => o.MaxEventsPerResponse = 5000 },
        { "Legacy:CoalesceDelay", o => o.CoalesceDelay = TimeSpan.FromSeconds(5) },
        { "Legacy:MaxRoomsPerQueue", o => o.MaxRoomsPerQueue = 0 },
        { "Legacy:RepollWindow", o => o.RepollWindow = TimeSpan.FromSeconds(-1) },
        { "Legacy:RepollWindow", o => o.RepollWindow = TimeSpan.FromMinutes(6) },
        // A client polling without pause must not flicker offline between polls.
        { "Legacy:PresenceTimeout", o => o.PresenceTimeout = o.MaxPollTimeout },
        { "Legacy:PresenceTimeout", o => o.PresenceTimeout = TimeSpan.FromHours(2) },
        { "Legacy:ValidatedTokenCacheSize", o => o.ValidatedTokenCacheSize = -1 },
        { "Legacy:ValidatedTokenCacheSize", o => o.ValidatedTokenCacheSize = 1_000_001 },
        { "Legacy:PollSpanRatio", o => o.PollSpanRatio = -0.1 },
        { "Legacy:PollSpanRatio", o => o.PollSpanRatio = 1.5 },
        { "Legacy:PollSpanRatio", o => o.PollSpanRatio = double.NaN },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Each_out_of_range_value_is_refused_naming_its_key(string key, Action<LegacyOptions> change)
    {
        var options = new LegacyOptions();
        change(options);

        var result = new LegacyOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }
}
