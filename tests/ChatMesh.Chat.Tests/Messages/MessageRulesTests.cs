using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Rooms;

namespace ChatMesh.Chat.Tests.Messages;

public sealed class MessageRulesTests
{
    [Theory]
    [InlineData("hi @bob", "bob")]
    [InlineData("hi @bob. and @carol-2, @bob again", "bob,carol-2")]
    [InlineData("mail me at me@example.com", "")]
    [InlineData("@alice talking to myself", "")]
    [InlineData("(@dave) @ @@eve", "dave,eve")]
    public void Mentions_are_distinct_at_name_tokens_other_than_the_author(string text, string expected)
    {
        Assert.Equal(expected, string.Join(',', MessageRules.ParseMentionCandidates(text, "alice", 20)));
    }

    [Fact]
    public void Mention_candidates_are_capped()
    {
        var text = string.Join(' ', Enumerable.Range(0, 50).Select(i => $"@u{i}"));
        Assert.Equal(20, MessageRules.ParseMentionCandidates(text, "alice", 20).Count);
    }

    [Fact]
    public void Excerpts_never_split_a_surrogate_pair()
    {
        var text = new string('a', MessageRules.ExcerptLength - 1) + "🎉🎉";
        var excerpt = MessageRules.Excerpt(text);
        Assert.False(char.IsHighSurrogate(excerpt[^2]));
        Assert.Equal("hello", MessageRules.Excerpt("hello"));
    }

    [Theory]
    [InlineData("general", true)]
    [InlineData("a", true)]
    [InlineData("dev_ops-2", true)]
    [InlineData("General", false)]
    [InlineData("-x", false)]
    [InlineData("has space", false)]
    [InlineData("dm:a:b", false)]
    [InlineData("", false)]
    public void Room_ids_have_one_shape(string id, bool valid) => Assert.Equal(valid, ChatIds.IsRoomId(id));

    [Fact]
    public void Direct_room_ids_are_canonical()
    {
        Assert.Equal("dm:alice:bob", ChatIds.DirectRoomId("bob", "alice"));
        Assert.True(ChatIds.TryParseDirect("dm:alice:bob", out var a, out var b));
        Assert.Equal(("alice", "bob"), (a, b));
        Assert.False(ChatIds.TryParseDirect("dm:bob:alice", out _, out _));
        Assert.False(ChatIds.TryParseDirect("dm:bob:bob", out _, out _));
        Assert.False(ChatIds.TryParseDirect("dm:bob", out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\tkey")]
    [InlineData("ünicode")]
    public void Idempotency_keys_are_printable_ascii(string key) =>
        Assert.Equal(ChatError.InvalidArgument, Assert.Throws<ChatException>(() => MessageRules.RequireIdempotencyKey(key)).Error);

    [Fact]
    public void A_long_idempotency_key_is_refused_and_a_normal_one_accepted()
    {
        Assert.Throws<ChatException>(() => MessageRules.RequireIdempotencyKey(new string('k', 129)));
        MessageRules.RequireIdempotencyKey(new string('k', 128));
        MessageRules.RequireIdempotencyKey("client-7f3a 01");
    }
}
