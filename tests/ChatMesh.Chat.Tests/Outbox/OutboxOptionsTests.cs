using ChatMesh.Chat.Outbox;

namespace ChatMesh.Chat.Tests.Outbox;

public sealed class OutboxOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.True(new OutboxOptionsValidator().Validate(null, new OutboxOptions()).Succeeded);
    }

    [Fact]
    public void A_renew_interval_over_half_the_lease_is_rejected()
    {
        var options = new OutboxOptions { LeaseDuration = TimeSpan.FromSeconds(2), RenewInterval = TimeSpan.FromSeconds(1.5) };

        var result = new OutboxOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(nameof(OutboxOptions.RenewInterval), result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64 * 1024 - 1)]
    [InlineData(64 * 1024 * 1024 + 1)]
    [InlineData(0)]
    public void A_max_batch_size_in_bytes_out_of_range_is_refused(int maxBatchBytes)
    {
        var result = new OutboxOptionsValidator().Validate(null, new OutboxOptions { MaxBatchBytes = maxBatchBytes });

        Assert.True(result.Failed);
        Assert.Contains(nameof(OutboxOptions.MaxBatchBytes), result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(6 * 60 * 1000)]
    public void A_publish_timeout_out_of_range_is_refused(int milliseconds)
    {
        var result = new OutboxOptionsValidator().Validate(null, new OutboxOptions { PublishTimeout = TimeSpan.FromMilliseconds(milliseconds) });

        Assert.True(result.Failed);
        Assert.Contains(nameof(OutboxOptions.PublishTimeout), result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1-0", 1)]
    [InlineData("1234567890123-0", 1234567890123)]
    [InlineData("x-0", 0)]
    [InlineData(null, 0)]
    public void Stream_ids_map_to_event_ids(string? streamId, long eventId)
    {
        Assert.Equal(eventId, OutboxEntries.EventId(streamId));
    }
}
