using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.EventLog;

namespace ChatMesh.Chat.Tests.Attachments;

/// <summary>The chat domain's attachment limits are validated on start, naming the key; ids are checked before Redis is asked.</summary>
public sealed class ChatAttachmentOptionsTests
{
    [Theory]
    [InlineData(0, "Chat:Attachments:MaxPerMessage")]
    [InlineData(101, "Chat:Attachments:MaxPerMessage")]
    public void An_out_of_range_per_message_limit_stops_the_start(int max, string key)
    {
        var result = new ChatOptionsValidator().Validate(null, new ChatOptions { Attachments = new() { MaxPerMessage = max } });
        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage);
    }

    [Fact]
    public void A_pending_ttl_under_a_minute_stops_the_start_and_the_defaults_pass()
    {
        var result = new ChatOptionsValidator().Validate(null, new ChatOptions { Attachments = new() { PendingTtl = TimeSpan.FromSeconds(5) } });
        Assert.Contains("Chat:Attachments:PendingTtl", result.FailureMessage);
        Assert.True(new ChatOptionsValidator().Validate(null, new ChatOptions()).Succeeded);
    }

    [Fact]
    public void Referenced_ids_are_checked_for_count_and_shape_and_repeats_collapse()
    {
        var id = AttachmentIds.New();
        Assert.True(AttachmentIds.IsValid(id));
        Assert.Equal([id], AttachmentRules.RequireIds([id, id], 2));
        Assert.Empty(AttachmentRules.RequireIds(null, 2));
        Assert.Equal(ChatError.TooManyAttachments,
            Assert.Throws<ChatException>(() => AttachmentRules.RequireIds([id, AttachmentIds.New(), AttachmentIds.New()], 2)).Error);
        var malformed = Assert.Throws<ChatException>(() => AttachmentRules.RequireIds(["../../etc/passwd"], 2));
        Assert.Equal("attachment_not_found", malformed.Code);
    }
}
