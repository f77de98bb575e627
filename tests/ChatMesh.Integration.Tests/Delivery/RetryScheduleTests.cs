using ChatMesh.Integration.Delivery;

namespace ChatMesh.Integration.Tests.Delivery;

public sealed class RetryScheduleTests
{
    [Fact]
    public void The_default_is_the_Svix_schedule()
    {
        var schedule = RetrySchedule.Parse(DeliveryOptions.DefaultRetrySchedule);
        Assert.Equal(
            [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
                TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)],
            schedule);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("00:00:03", 3000)]
    [InlineData("1d", 86_400_000)]
    public void Parses_durations(string text, long milliseconds)
    {
        Assert.True(RetrySchedule.TryParseDuration(text, out var value));
        Assert.Equal(milliseconds, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5s,,5m")]
    [InlineData("soon")]
    [InlineData("-5s")]
    public void Refuses_bad_schedules(string text) => Assert.Null(RetrySchedule.TryParse(text, out _));

    [Fact]
    public void Delays_are_jittered_within_bounds_and_end_with_the_schedule()
    {
        var schedule = RetrySchedule.Parse("0s,10s,100s");
        var random = new Random(42);
        for (var i = 0; i < 1000; i++)
        {
            var delay = RetrySchedule.DelayBefore(schedule, 3, 0.2, random)!.Value;
            Assert.InRange(delay.TotalSeconds, 80, 120);
        }

        Assert.Equal(TimeSpan.Zero, RetrySchedule.DelayBefore(schedule, 1, 0.2, random));
        Assert.Null(RetrySchedule.DelayBefore(schedule, 4, 0.2, random));
    }

    [Fact]
    public void Options_validation_names_bad_keys()
    {
        var options = new IntegrationOptions();
        options.Delivery.RetrySchedule = "soon";
        options.Delivery.VisibilityTimeout = TimeSpan.FromSeconds(1);
        options.Ssrf.AllowedRanges = ["not-a-cidr"];
        var result = new IntegrationOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, failure => failure.Contains("RetrySchedule", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.Contains("VisibilityTimeout", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, failure => failure.Contains("AllowedRanges", StringComparison.Ordinal));
        Assert.True(new IntegrationOptionsValidator().Validate(null, new IntegrationOptions()).Succeeded);
    }
}
